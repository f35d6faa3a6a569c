import { InvalidIdentifierError } from "./errors.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
/** The smallest limit of the SQL databases we support (PostgreSQL: 63 bytes). */
export const MAX_IDENTIFIER_LENGTH = 63;

/** Describes a rejected name without echoing hostile input verbatim. */
function describe(name: unknown): string {
  if (typeof name !== "string") return `a ${typeof name}`;
  const printable = /^[\x20-\x7e]{0,40}$/.test(name);
  return printable ? JSON.stringify(name) : `a ${name.length}-character name with unprintable characters`;
}

/** Validates a model, field, table or index name: ASCII letters, digits and `_`, not starting with a digit. */
export function assertIdentifier(name: unknown, what: string, maxLength = MAX_IDENTIFIER_LENGTH): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new InvalidIdentifierError(`${what} ${describe(name)} is not a valid identifier`, {
      fix: "Use ASCII letters, digits and underscores, starting with a letter or underscore",
    });
  }
  if (FORBIDDEN.has(name) || name.startsWith("__")) {
    throw new InvalidIdentifierError(`${what} ${describe(name)} is reserved`, {
      fix: "Names starting with '__' and the names constructor/prototype are not allowed",
    });
  }
  if (name.length > maxLength) {
    throw new InvalidIdentifierError(`${what} ${describe(name.slice(0, 20) + "...")} is ${name.length} characters long`, {
      fix: `Identifiers may have at most ${maxLength} characters`,
    });
  }
  return name;
}

export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

const IRREGULAR: Record<string, string> = {
  person: "people",
  man: "men",
  woman: "women",
  child: "children",
  mouse: "mice",
  goose: "geese",
  tooth: "teeth",
  foot: "feet",
  ox: "oxen",
  leaf: "leaves",
  knife: "knives",
  life: "lives",
  wife: "wives",
  half: "halves",
  wolf: "wolves",
  shelf: "shelves",
  datum: "data",
  index: "indexes",
  criterion: "criteria",
  analysis: "analyses",
  status: "statuses",
  quiz: "quizzes",
};
const UNCOUNTABLE = new Set(["data", "information", "equipment", "series", "species", "news", "sheep", "fish", "deer", "metadata", "feedback"]);

export function pluralize(word: string): string {
  if (UNCOUNTABLE.has(word)) return word;
  const irregular = IRREGULAR[word];
  if (irregular !== undefined) return irregular;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** `Person` -> `people`, `OrderItem` -> `order_items`. */
export function tableNameFor(modelName: string): string {
  const snake = toSnakeCase(modelName);
  const cut = snake.lastIndexOf("_");
  return cut === -1 ? pluralize(snake) : `${snake.slice(0, cut + 1)}${pluralize(snake.slice(cut + 1))}`;
}
