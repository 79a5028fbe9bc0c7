// hearth-fuzz: the HTTP request parser and the OpenAI request decoders under a fuzzer (see FuzzTarget).
//
// `make fuzz` builds it with `-sanitize=fuzzer,address -DFUZZING` and runs libFuzzer over the seed corpus in
// `corpus/` with the dictionary `hearth-fuzz.dict`. Without FUZZING (the normal build) it is a standalone
// replayer and seeded mutator, so it links without libFuzzer: see Driver.swift.

import Foundation

#if FUZZING
/// libFuzzer's callback: one input per call; a trap is a finding, a thrown error is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver as a library call (libclang_rt.fuzzer, LLVM 11 and later).
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point hands the command line to libFuzzer.
///
/// libFuzzer would supply `main` itself, but SwiftPM links every Swift executable with
/// `--defsym main=<module>_main` (so tests can link executable modules), which needs this module to define
/// its own entry point; libFuzzer's `main` is then unused. That is also why the fuzz build links with lld:
/// gold fails on the two definitions of `main`, lld lets the `--defsym` win.
@main
enum HearthFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput))
    }
}
#else
@main
enum HearthFuzz {
    static func main() {
        exit(Driver(arguments: Array(CommandLine.arguments.dropFirst())).run())
    }
}
#endif
