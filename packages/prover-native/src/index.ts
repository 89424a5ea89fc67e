export { createNativeProverModule, NativeProverModule, NATIVE_MODULE_VERSION, type NativeProverModuleOptions } from "./module.js";
export { SidecarClient, SidecarExitedError, SidecarTimeoutError, type SidecarInfo, type SidecarReply } from "./client.js";
export { encodeFrame, FrameDecoder, type Frame } from "./frames.js";
export { locateBinary, BUILD_DIR, type LocatedBinary } from "./binary.js";
