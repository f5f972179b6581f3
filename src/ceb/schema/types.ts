/**
 * The shape of the declarative field tables generated from the official 202205 XSDs.
 * One ElementDef tree per message type drives parsing, validation, XML building,
 * the JSON form and the docs.
 */

export type Namespace = 'ceb' | 'dxp' | 'ds';

export type LeafType = LeafKind & {
  /** XSD `fixed`: the only value allowed (currency 142, DxpMsg ver 1.0). */
  fixed?: string;
};

export type LeafKind =
  /** xs:string restriction; `length` fixes the length, `minLength`/`maxLength` bound it (characters). */
  | { kind: 'string'; length?: number; minLength?: number; maxLength?: number; collapse?: boolean }
  /** xs:decimal, N(totalDigits, fractionDigits) in the spec's notation (e.g. N19,5). */
  | { kind: 'decimal'; totalDigits: number; fractionDigits: number }
  /** xs:int, optionally with totalDigits. */
  | { kind: 'int'; totalDigits?: number }
  | { kind: 'dateTime' }
  | { kind: 'date' }
  | { kind: 'base64' };

export interface AttrDef {
  name: string;
  required: boolean;
  type: LeafType;
  doc?: string;
}

export interface ElementDef {
  name: string;
  ns: Namespace;
  /** minOccurs / maxOccurs as in the XSD (max = Infinity for unbounded). */
  min: number;
  max: number;
  doc?: string;
  /** Simple content: a leaf field. */
  type?: LeafType;
  /** Complex content: an ordered xs:sequence of child elements. */
  children?: ElementDef[];
  /** Attributes (root guid/version, DxpMsg ver, Key name…). */
  attrs?: AttrDef[];
  /** Content is not described by the schema (ds:Signature, ExtendMessage/Message): kept as raw XML. */
  any?: boolean;
}

export interface MessageDef {
  /** Root element name, e.g. CEB311Message. */
  root: string;
  family: 'import' | 'export' | 'dxp';
  doc: string;
  element: ElementDef;
}
