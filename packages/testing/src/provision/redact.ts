const SECRET_URL_VARS = [
  "DATAFLOW_TEST_POSTGRES_URL",
  "DATAFLOW_TEST_MYSQL_URL",
  "DATAFLOW_TEST_PGVECTOR_URL",
  "DATAFLOW_TEST_MONGODB_URL",
  "MONGODB_URL",
  "DATABASE_URL",
];

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

/** Replaces the password of a URL with ***. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, "$1***@");
  }
}

/** Masks credentials in free text: userinfo in URLs and any password found in the env URLs. */
export function redact(text: string): string {
  let out = text.replace(/(\/\/[^/:@\s]*:)[^@\s/]+@/g, "$1***@");
  for (const name of SECRET_URL_VARS) {
    const value = process.env[name];
    const password = value ? passwordOf(value) : undefined;
    if (!password) continue;
    for (const form of new Set([password, safeDecode(password)])) {
      if (form.length > 0) out = out.split(form).join("***");
    }
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function errorText(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
