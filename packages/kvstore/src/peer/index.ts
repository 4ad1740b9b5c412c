export { PeerTransport } from './peer-transport';
export type { PeerChannel, PeerTransportOptions } from './peer-transport';
export { FrameDecoder, FrameError, DEFAULT_MAX_FRAME_BYTES } from './frame-codec';
export type { Frame, Hello } from './frame-codec';
