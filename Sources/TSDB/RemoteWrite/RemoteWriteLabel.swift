/// One label of a series being visited: its name and value as byte ranges of the request buffer.
///
/// Only valid during the `visit` call that produced it (it points into the request body).
public struct RemoteWriteLabel {
    /// The name's UTF-8 bytes.
    public let name: UnsafeRawBufferPointer
    /// The value's UTF-8 bytes (may be empty, meaning "label absent" in Prometheus).
    public let value: UnsafeRawBufferPointer

    @inlinable init(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        self.name = name
        self.value = value
    }

    /// The name as a String (allocates unless short).
    @inlinable public var nameString: String { String(decoding: name, as: UTF8.self) }
    /// The value as a String (allocates unless short).
    @inlinable public var valueString: String { String(decoding: value, as: UTF8.self) }
}
