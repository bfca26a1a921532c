// Types of range-parser@1.3.0 (the package ships none): parses an HTTP Range header against a
// size; -1 unsatisfiable, -2 malformed.
declare module 'range-parser' {
  interface Range {
    start: number;
    end: number;
  }
  interface Ranges extends Array<Range> {
    type: string;
  }
  function rangeParser(size: number, header: string, options?: { combine?: boolean }): Ranges | -1 | -2;
  export default rangeParser;
}
