// How cross-object messages name an object: "Network frontend", "Attachment default/web-1-frontend".
export function nameOf(key: string): string {
  const [kind, ...rest] = key.split('/');
  return `${kind} ${rest.join('/')}`;
}
