// pg-cursor ships no types; the probe uses only read() and close().
declare module "pg-cursor" {
  const Cursor: new (text: string) => unknown;
  export default Cursor;
}
