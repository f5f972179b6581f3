/**
 * How messages reach customs and how receipts come back. The sandbox customs is one
 * implementation; folder exchange, HTTP and AMQP are others. A transport must tolerate the same
 * message twice (the outbox retries): customs deduplicates on CopMsgId, and so must a sandbox.
 */
export interface OutboundMessage {
  /** DxpMsg CopMsgId: fixed per message, the same on every retry. */
  copMsgId: string;
  messageType: string;
  /** The DxpMsg envelope, as text. */
  envelope: string;
}

/** Receives what customs sends back: a DxpMsg (or bare CEB) receipt, as bytes. */
export type InboundHandler = (bytes: Buffer, source: string) => Promise<void>;

export interface CustomsTransport {
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
  /** Starts listening for receipts. */
  start(deliver: InboundHandler): Promise<void>;
  stop(): Promise<void>;
}
