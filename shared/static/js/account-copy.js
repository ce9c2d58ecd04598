// The account's "Copy" buttons: copies the named input's value (the private calendar feed
// address). An external file because the Content-Security-Policy forbids inline scripts;
// without JavaScript (or clipboard access) the address can be selected and copied by hand.
for (const button of document.querySelectorAll('button[data-copy]')) {
  button.addEventListener('click', async () => {
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Press Ctrl+C to copy';
    }
  });
}
