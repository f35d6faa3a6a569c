const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^@/\s:]*)(?::([^@/\s]*))?@/gi;
const PASSWORD_PARAM = /((?:password|passwd|pwd|sslpassword|sslkey|token|secret)=)[^&\s;]*/gi;

/** Replaces passwords in URLs and `password=...` fragments with `***`. */
export function maskCredentials(text: string): string {
  if (!text.includes("@") && !text.includes("=")) return text;
  return text
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pass: string | undefined) =>
      pass === undefined ? `${scheme}${user}@` : `${scheme}${user}:***@`,
    )
    .replace(PASSWORD_PARAM, "$1***");
}

/** A URL safe to log: password removed; unparseable input becomes a sentinel. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|pwd|key|token|secret/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return maskCredentials(url) === url && url.includes("@") ? "<unparseable url>" : maskCredentials(url);
  }
}
