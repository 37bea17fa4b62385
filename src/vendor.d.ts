// Packages without their own types: only what Orchard uses of them.

declare module 'vcf' {
  interface VCardProperty {
    valueOf(): string | string[];
    [param: string]: unknown;
  }
  class VCard {
    constructor();
    parse(text: string): VCard;
    get(name: string): VCardProperty | VCardProperty[] | undefined;
    static parse(text: string): VCard[];
  }
  export default VCard;
}

declare module 'libqp' {
  const libqp: { decode(input: string): Buffer; encode(input: Buffer | string): string };
  export default libqp;
}
