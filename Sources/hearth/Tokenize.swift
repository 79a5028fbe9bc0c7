import ArgumentParser
import Foundation
import GGUF
import Tokenizers

/// `hearth tokenize`: text on stdin, a JSON array of token ids on stdout.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read text on stdin and print its token ids as a JSON array.")

    @Option(help: "Path to a GGUF model.") var model: String
    @Flag(help: "Treat special-token text such as <|im_start|> as plain text.") var noSpecial = false

    func run() throws {
        let file = try GGUFFile(path: model)
        let tokenizer = try Tokenizer(gguf: file)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: input, encoding: .utf8) else { throw CLIError("stdin is not valid UTF-8") }
        let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: !noSpecial)
        print("[" + ids.map(String.init).joined(separator: ",") + "]")
    }
}
