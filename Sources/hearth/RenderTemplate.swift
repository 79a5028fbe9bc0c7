import ArgumentParser
import Foundation
import GGUF
import Jinja
import Generation
import Tokenizers

/// `hearth render-template`: renders a conversation read as JSON on stdin through a chat template, exactly.
struct RenderTemplate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-template",
        abstract: "Render {\"messages\", \"tools\"?, \"add_generation_prompt\"?, \"variables\"?} from stdin through a chat template.")

    @Option(help: "A GGUF model whose tokenizer.chat_template and special tokens are used.") var model: String?
    @Option(help: "A Jinja chat template file (overrides the model's).") var chatTemplate: String?
    @Option(help: "Fix the clock strftime_now reads, e.g. 2024-07-26T12:00:00.") var now: String?

    func validate() throws {
        if model == nil && chatTemplate == nil { throw ValidationError("give --model or --chat-template") }
    }

    func run() throws {
        let file = try model.map { try GGUFFile(path: $0) }
        let tokenizer = try file.map { try Tokenizer(gguf: $0) }
        let template = try ChatPrompt.loadTemplate(embedded: file?.string("tokenizer.chat_template"), override: chatTemplate,
                                                   warn: printError).template
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard case .dict(let object) = try Value.parseJSON(input) else { throw CLIError("stdin must be a JSON object") }
        guard let messages = object["messages"] else { throw CLIError("stdin has no \"messages\"") }
        var addGenerationPrompt = false
        if case .bool(let b)? = object["add_generation_prompt"] { addGenerationPrompt = b }
        var variables = OrderedDict()
        if case .dict(let v)? = object["variables"] { variables = v }
        var clock = Date()
        if let now {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone.current
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            guard let d = f.date(from: now) else { throw CLIError("--now must look like 2024-07-26T12:00:00") }
            clock = d
        }
        var tools: Value?
        if let t = object["tools"], case .none = t {} else { tools = object["tools"] }
        do {
            // The special-token strings transformers passes to templates, from the model's vocabulary.
            let bos = tokenizer.flatMap { t in t.bosID.map { t.decode([$0]) } }
            let eos = tokenizer.flatMap { t in t.eosID.map { t.decode([$0]) } }
            let text = try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                                           bosToken: bos, eosToken: eos, variables: variables, now: clock)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch let error as TemplateError {
            throw CLIError("template error: \(error)")
        }
    }
}
