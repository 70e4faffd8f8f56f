// @ts-check
/** Element lookup and creation. Text goes in through textContent only: call and caller text is untrusted. */

/**
 * The element with this id, checked to be of `type` (a missing element is a bug in page.html).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
export function byId(id, type) {
  const n = document.getElementById(id);
  if (!(n instanceof type)) throw new Error(`softphone: #${id} is not a ${type.name} in page.html`);
  return n;
}

/** @param {string} id */
export const $ = (id) => byId(id, HTMLElement);
/** @param {string} id */
export const inputEl = (id) => byId(id, HTMLInputElement);
/** @param {string} id */
export const buttonEl = (id) => byId(id, HTMLButtonElement);
/** @param {string} id */
export const selectEl = (id) => byId(id, HTMLSelectElement);

/**
 * A new element with a class and text (text, never markup).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [cls]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null) n.textContent = String(text);
  return n;
}

/**
 * Turns a control on or off, for pointer, keyboard and screen reader alike (page.css draws the off
 * state from the same attributes).
 * @param {HTMLButtonElement | HTMLInputElement} n
 * @param {boolean} disabled
 */
export function setDisabled(n, disabled) {
  n.disabled = disabled;
  n.setAttribute("aria-disabled", disabled ? "true" : "false");
}
