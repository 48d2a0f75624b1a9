import BottleneckCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.logv2(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
