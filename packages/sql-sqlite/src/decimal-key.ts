/**
 * SQLite keeps a decimal as its exact canonical text ("-12.5"), which sorts as text. `decimal_key(x)`
 * maps such text to a key whose text order is the numeric order, exactly, for any number of digits:
 *
 *   sign      "1" for zero and positives, "0" for negatives
 *   integer   the digits left-padded with zeros to a fixed width (negatives: each digit d as 9 - d)
 *   fraction  the digits without trailing zeros (negatives: 9 - d, then "~", which sorts after every digit)
 *
 * Anything that is not a plain decimal (a value written around DataFlow) sorts after every number, as itself.
 */
const INTEGER_WIDTH = 80;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

function complement(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i++) out += String.fromCharCode(105 - digits.charCodeAt(i)); // '0'+'9' - d
  return out;
}

export function decimalKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === "string" ? value : String(value);
  const m = DECIMAL.exec(text);
  const whole = m?.[2]?.replace(/^0+/, "") ?? "";
  const fraction = m?.[3]?.replace(/0+$/, "") ?? "";
  if (!m || (m[2] === "" && (m[3] ?? "") === "") || whole.length > INTEGER_WIDTH) return `2${text}`;
  const padded = whole.padStart(INTEGER_WIDTH, "0");
  if (m[1] !== "-" || (whole === "" && fraction === "")) return `1${padded}${fraction}`;
  return `0${complement(padded)}${complement(fraction)}~`;
}
