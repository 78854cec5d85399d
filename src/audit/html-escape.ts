/** Text for HTML element content and attribute values; attacker-controlled usernames pass through here. */
export function html(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
