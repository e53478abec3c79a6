// A copy button beside a command or code snippet: the Clipboard API where the page may use it, else a hidden
// textarea and execCommand; the button says whether it worked.

import { h } from './dom.js';

async function writeText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Not allowed here (permissions, insecure context): fall back below.
    }
  }
  const area = h('textarea', { readonly: true, class: 'offscreen' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

/** A button copying `text()`; `label` says what (`Copy command`). */
export function copyButton(text: () => string, label = 'Copy', testid?: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small copy', 'data-testid': testid }, label);
  button.addEventListener('click', () => {
    writeText(text()).then(
      () => {
        button.textContent = 'Copied';
        button.dataset['copied'] = 'true';
      },
      () => {
        button.textContent = 'Select and copy by hand';
      },
    );
    setTimeout(() => {
      button.textContent = label;
    }, 2500);
  });
  return button;
}

/** A block of code (a command, a CDK statement) with its copy button. */
export function codeBlock(code: string, opts: { label?: string; testid?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: 'code-block', 'data-testid': opts.testid },
    h('pre', { class: 'wrap' }, h('code', {}, code)),
    copyButton(() => code, opts.label ?? 'Copy', opts.testid ? `${opts.testid}-copy` : undefined),
  );
}
