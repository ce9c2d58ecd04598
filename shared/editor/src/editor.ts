/**
 * The blog's prose editor (TipTap on ProseMirror), bundled by esbuild into
 * shared/static/editor/editor.js. Progressive enhancement: the form works without it (a plain
 * HTML textarea); with it, the textarea is replaced by a rich-text editor that writes its HTML
 * back into the textarea and autosaves drafts.
 *
 * Ghost's HTML round-trips: an image card keeps its caption (`<figure><img><figcaption>`) and
 * its image attributes; cards the editor cannot edit (bookmark, gallery, embed, callout,
 * toggle, button, product, audio, video, file…) are kept whole as uneditable blocks; and the
 * members-only marker (`<!--members-only-->`) is a visible divider that comes back as itself.
 */
import { Editor, mergeAttributes, Node } from '@tiptap/core';
import Image from '@tiptap/extension-image';
import StarterKit from '@tiptap/starter-kit';

const MEMBERS_ONLY = '<!--members-only-->';
/** How the marker travels through the editor (ProseMirror drops comments). */
const MEMBERS_ONLY_TAG = '<div data-members-only=""></div>';

/** A Ghost card the editor cannot edit: any `kg-card` except a plain image card. */
function isOpaqueCard(el: HTMLElement): boolean {
  const classes = el.classList;
  if (![...classes].some((c) => c.startsWith('kg-') && c.endsWith('-card'))) return false;
  if (!classes.contains('kg-image-card')) return true;
  // An image card holding a link or anything but the image and its caption stays whole.
  return [...el.children].some((child) => child.tagName !== 'IMG' && child.tagName !== 'FIGCAPTION');
}

/** The image, with the attributes Ghost's image cards carry, in Ghost's order. */
const GhostImage = Image.extend({
  addAttributes() {
    const keep = (name: string) => ({
      default: null,
      parseHTML: (el: HTMLElement) => el.getAttribute(name),
      renderHTML: (attrs: Record<string, unknown>) => (attrs[name] == null ? {} : { [name]: attrs[name] }),
    });
    return {
      src: keep('src'),
      class: keep('class'),
      alt: keep('alt'),
      title: keep('title'),
      loading: keep('loading'),
      width: keep('width'),
      height: keep('height'),
      srcset: keep('srcset'),
      sizes: keep('sizes'),
    };
  },
});

/** `<figure>` around an image and its caption (Ghost's image card). */
const ImageFigure = Node.create({
  name: 'imageFigure',
  group: 'block',
  content: 'image figcaption?',
  draggable: true,
  isolating: true,
  addAttributes() {
    return {
      class: {
        default: 'kg-card kg-image-card',
        parseHTML: (el) => el.getAttribute('class'),
      },
    };
  },
  parseHTML() {
    return [
      {
        tag: 'figure',
        getAttrs: (el) =>
          (el as HTMLElement).querySelector(':scope > img') && !isOpaqueCard(el as HTMLElement) ? {} : false,
      },
    ];
  },
  renderHTML({ node, HTMLAttributes }) {
    // Ghost marks a captioned card; keep the class in step with the caption.
    const classes = String(HTMLAttributes.class ?? '')
      .split(/\s+/)
      .filter((c) => c && c !== 'kg-card-hascaption');
    const captioned = node.childCount > 1 && node.child(1).textContent.trim() !== '';
    if (captioned) classes.push('kg-card-hascaption');
    return ['figure', mergeAttributes(HTMLAttributes, { class: classes.join(' ') }), 0];
  },
});

const Figcaption = Node.create({
  name: 'figcaption',
  content: 'inline*',
  marks: '_',
  parseHTML() {
    return [{ tag: 'figcaption' }];
  },
  renderHTML() {
    return ['figcaption', 0];
  },
});

/** A card kept exactly as it came: shown, not editable, written back as its original HTML. */
const GhostCard = Node.create({
  name: 'ghostCard',
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  addAttributes() {
    return { html: { default: '', rendered: false } };
  },
  parseHTML() {
    return ['figure', 'div', 'aside', 'section'].map((tag) => ({
      tag,
      priority: 100,
      getAttrs: (el: HTMLElement | string) =>
        typeof el !== 'string' && isOpaqueCard(el) ? { html: el.outerHTML } : false,
    }));
  },
  renderHTML({ node }) {
    const template = document.createElement('template');
    template.innerHTML = String(node.attrs.html);
    return (template.content.firstElementChild as HTMLElement | null) ?? ['div'];
  },
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement('div');
      dom.className = 'editor-card';
      dom.contentEditable = 'false';
      const label = document.createElement('p');
      label.className = 'editor-card-label';
      label.textContent = 'Ghost card (edit it in Ghost; kept as it is)';
      const body = document.createElement('div');
      body.className = 'editor-card-body';
      body.innerHTML = String(node.attrs.html);
      dom.append(label, body);
      return { dom };
    };
  },
});

/** Ghost's members-only marker: what is above it is the public preview. */
const MembersOnly = Node.create({
  name: 'membersOnly',
  group: 'block',
  atom: true,
  selectable: true,
  parseHTML() {
    return [{ tag: 'div[data-members-only]' }];
  },
  renderHTML() {
    return ['div', { 'data-members-only': '' }];
  },
  addNodeView() {
    return () => {
      const dom = document.createElement('div');
      dom.className = 'editor-members-only';
      dom.contentEditable = 'false';
      dom.setAttribute('role', 'separator');
      dom.textContent = 'Members only below this line';
      return { dom };
    };
  },
});

/** The editor's HTML as the form sends it: the marker back as Ghost's comment. */
function toGhostHtml(html: string): string {
  return html.replaceAll(MEMBERS_ONLY_TAG, MEMBERS_ONLY);
}

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
    const src = window.prompt('Image address')?.trim();
    if (!src) return;
    const alt = window.prompt('Describe the image (alt text)')?.trim() ?? '';
    const caption = window.prompt('Caption (optional)')?.trim() ?? '';
    e.chain()
      .focus()
      .insertContent({
        type: 'imageFigure',
        content: [
          { type: 'image', attrs: { src, alt, class: 'kg-image' } },
          ...(caption ? [{ type: 'figcaption', content: [{ type: 'text', text: caption }] }] : []),
        ],
      })
      .run();
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
    extensions: [
      // Links keep what they had (Ghost's have no target): no target or rel added on the way.
      StarterKit.configure({
        link: { openOnClick: false, autolink: true, HTMLAttributes: { target: null, rel: null } },
      }),
      GhostImage,
      ImageFigure,
      Figcaption,
      GhostCard,
      MembersOnly,
    ],
    content: textarea.value.replace(MEMBERS_ONLY, MEMBERS_ONLY_TAG),
    editorProps: {
      attributes: {
        class: 'prose editor-content',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': 'Post content',
      },
    },
    onUpdate: ({ editor: e }) => {
      textarea.value = toGhostHtml(e.getHTML());
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
    textarea.value = toGhostHtml(editor.getHTML());
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
    body.html = toGhostHtml(editor.getHTML());
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
