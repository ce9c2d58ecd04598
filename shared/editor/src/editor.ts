/**
 * The blog's prose editor (TipTap on ProseMirror), bundled by esbuild into
 * shared/static/editor/editor.js. Progressive enhancement: the form works without it (a plain
 * HTML textarea); with it, the textarea is replaced by a rich-text editor that writes its HTML
 * back into the textarea and autosaves drafts.
 */
import { Editor } from '@tiptap/core';
import Image from '@tiptap/extension-image';
import StarterKit from '@tiptap/starter-kit';

type Command = (editor: Editor) => void;

const COMMANDS: Record<string, Command> = {
  h2: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(),
  h3: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
  bold: (e) => e.chain().focus().toggleBold().run(),
  italic: (e) => e.chain().focus().toggleItalic().run(),
  bullet: (e) => e.chain().focus().toggleBulletList().run(),
  ordered: (e) => e.chain().focus().toggleOrderedList().run(),
  quote: (e) => e.chain().focus().toggleBlockquote().run(),
  code: (e) => e.chain().focus().toggleCodeBlock().run(),
  rule: (e) => e.chain().focus().setHorizontalRule().run(),
  undo: (e) => e.chain().focus().undo().run(),
  redo: (e) => e.chain().focus().redo().run(),
  link: (e) => {
    const previous = (e.getAttributes('link').href as string | undefined) ?? '';
    const href = window.prompt('Link address (leave empty to remove the link)', previous);
    if (href === null) return;
    if (href.trim() === '') e.chain().focus().extendMarkRange('link').unsetLink().run();
    else e.chain().focus().extendMarkRange('link').setLink({ href: href.trim() }).run();
  },
  image: (e) => {
    const src = window.prompt('Image address');
    if (src?.trim()) e.chain().focus().setImage({ src: src.trim() }).run();
  },
};

const LABELS: [string, string][] = [
  ['h2', 'Heading'],
  ['h3', 'Subheading'],
  ['bold', 'Bold'],
  ['italic', 'Italic'],
  ['bullet', 'Bulleted list'],
  ['ordered', 'Numbered list'],
  ['quote', 'Quote'],
  ['link', 'Link'],
  ['image', 'Image'],
  ['code', 'Code'],
  ['rule', 'Divider'],
  ['undo', 'Undo'],
  ['redo', 'Redo'],
];

function mount(form: HTMLFormElement) {
  const textarea = form.querySelector<HTMLTextAreaElement>('textarea[name="html"]');
  const host = form.querySelector<HTMLElement>('[data-editor]');
  if (!textarea || !host) return;

  const toolbar = document.createElement('div');
  toolbar.className = 'editor-toolbar';
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'Formatting');
  for (const [name, label] of LABELS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button-small editor-button';
    button.dataset.command = name;
    button.textContent = label;
    toolbar.append(button);
  }
  host.before(toolbar);

  const editor = new Editor({
    element: host,
    extensions: [StarterKit.configure({ link: { openOnClick: false, autolink: true } }), Image],
    content: textarea.value,
    editorProps: {
      attributes: {
        class: 'prose editor-content',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': 'Post content',
      },
    },
    onUpdate: ({ editor: e }) => {
      textarea.value = e.getHTML();
      scheduleAutosave();
    },
  });
  textarea.hidden = true;
  host.hidden = false;
  toolbar.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-command]');
    const command = button?.dataset.command && COMMANDS[button.dataset.command];
    if (command) command(editor);
  });
  for (const input of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(
    'input[name], textarea[name]',
  )) {
    if (input !== textarea && input.type !== 'file' && input.type !== 'hidden') {
      input.addEventListener('input', () => scheduleAutosave());
    }
  }

  // Autosave: drafts only, a few seconds after the last change, never while a submit is under way.
  let autosaveUrl = form.dataset.autosaveUrl;
  const status = form.querySelector<HTMLElement>('[data-autosave-status]');
  let timer: number | undefined;
  let submitting = false;
  let inFlight: Promise<void> | null = null;
  form.addEventListener('submit', (event) => {
    window.clearTimeout(timer);
    textarea.value = editor.getHTML();
    if (inFlight) {
      // An autosave may be creating this very post: submit once it has answered, to the URL it
      // gives, or the same post would be created twice.
      event.preventDefault();
      const submitter = event.submitter as HTMLElement | null;
      inFlight.finally(() => form.requestSubmit(submitter));
      return;
    }
    submitting = true;
  });
  function scheduleAutosave() {
    if (!autosaveUrl) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(autosave, 2_000);
    if (status) status.textContent = 'Unsaved changes';
  }
  function autosave() {
    if (!autosaveUrl || submitting || inFlight) return;
    inFlight = saveNow().finally(() => {
      inFlight = null;
    });
  }
  async function saveNow() {
    if (!autosaveUrl) return;
    const data = new FormData(form);
    const body: Record<string, string> = {};
    for (const [key, value] of data.entries()) if (typeof value === 'string') body[key] = value;
    body.html = editor.getHTML();
    try {
      const res = await fetch(autosaveUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-csrf-token': body._csrf ?? '',
        },
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
      const json = (await res.json().catch(() => ({}))) as {
        savedAt?: string;
        autosaveUrl?: string;
        formAction?: string;
        editUrl?: string;
        error?: { message?: string };
      };
      // The first autosave of a new post created it: from now on save to that post.
      if (res.ok && json.autosaveUrl && json.formAction) {
        autosaveUrl = json.autosaveUrl;
        form.action = json.formAction;
        if (json.editUrl) window.history.replaceState(null, '', json.editUrl);
      }
      if (status) {
        status.textContent = res.ok
          ? `Draft saved at ${new Date(json.savedAt ?? Date.now()).toLocaleTimeString()}`
          : (json.error?.message ?? 'Could not save the draft');
      }
    } catch {
      if (status) status.textContent = 'Offline: the draft will be saved when you next submit';
    }
  }
}

for (const form of document.querySelectorAll<HTMLFormElement>('form[data-post-editor]')) mount(form);
