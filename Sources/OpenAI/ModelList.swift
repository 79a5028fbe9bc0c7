import Foundation

/// A model object as `GET /v1/models/{id}` returns it.
public struct ModelObject: Sendable, Equatable, Encodable {
    /// The id clients pass as `model`.
    public var id: String
    /// Unix seconds, e.g. when the model was loaded.
    public var created: Int
    /// The owner shown to clients.
    public var ownedBy: String

    /// Creates a model object.
    public init(id: String, created: Int, ownedBy: String = "hearth") {
        self.id = id
        self.created = created
        self.ownedBy = ownedBy
    }

    private enum Keys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }

    /// Encodes `{"id","object":"model","created","owned_by"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode("model", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(ownedBy, forKey: .ownedBy)
    }

    /// The encoded body.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}

/// The `GET /v1/models` body: `{"object":"list","data":[…]}`.
public struct ModelList: Sendable, Equatable, Encodable {
    /// The served models.
    public var data: [ModelObject]

    /// Creates the list.
    public init(data: [ModelObject]) {
        self.data = data
    }

    private enum Keys: String, CodingKey { case object, data }

    /// Encodes the list envelope.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("list", forKey: .object)
        try container.encode(data, forKey: .data)
    }

    /// The encoded body.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}
