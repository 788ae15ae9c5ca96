import Foundation
import PostgresNIO
import TrustModel
import TrustStore

// trustd's records ↔ PostgreSQL rows, through their Codable conformance (the same CodingKeys GRDB uses for
// SQLite): column names are the coding keys, dates are seconds since 1970 (double precision, as in SQLite), data is
// bytea, raw-value enums are their raw values. A value of the wrong type or an unknown enum case is a decoding
// error, which the store reports as an integrity failure — never a default.

/// One column value as bound to a statement.
typealias ColumnValue = SchemaDescription.Value

extension SchemaDescription.Value {
    func bind(into bindings: inout PostgresBindings) throws {
        switch self {
        case .text(let value): bindings.append(value)
        case .blob(let value): try bindings.append(value)
        case .integer(let value): bindings.append(value)
        case .double(let value): bindings.append(value)
        case .boolean(let value): bindings.append(value)
        case .null: bindings.appendNull()
        }
    }
}

/// Encodes a record into its columns, in coding order.
struct RowEncoder {
    static func columns<T: Encodable>(of record: T) throws -> [(name: String, value: ColumnValue)] {
        let storage = Storage()
        try record.encode(to: ColumnsEncoder(storage: storage))
        return storage.columns
    }

    final class Storage {
        var columns: [(name: String, value: ColumnValue)] = []
    }
}

private struct ColumnsEncoder: Encoder {
    let storage: RowEncoder.Storage
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(ColumnsContainer<Key>(storage: storage))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("records are keyed") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("records are keyed") }
}

private struct ColumnsContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: RowEncoder.Storage
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { storage.columns.append((key.stringValue, .null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        storage.columns.append((key.stringValue, .boolean(value)))
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        storage.columns.append((key.stringValue, .text(value)))
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        storage.columns.append((key.stringValue, .double(value)))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        storage.columns.append((key.stringValue, .integer(Int64(value))))
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        storage.columns.append((key.stringValue, .integer(value)))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        storage.columns.append((key.stringValue, try Self.value(of: value, key: key)))
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    /// Dates, data and raw-value enums; anything else has no column form.
    static func value<T: Encodable>(of value: T, key: Key) throws -> ColumnValue {
        switch value {
        case let date as Date: return .double(date.timeIntervalSince1970)
        case let data as Data: return .blob(data)
        case let text as String: return .text(text)
        case let number as Int: return .integer(Int64(number))
        case let number as Int64: return .integer(number)
        case let number as Double: return .double(number)
        case let flag as Bool: return .boolean(flag)
        default:
            let single = SingleValueCapture()
            try value.encode(to: single)
            guard let captured = single.storage.value else {
                throw EncodingError.invalidValue(
                    value, .init(codingPath: [key], debugDescription: "no column form for \(T.self)"))
            }
            return captured
        }
    }

    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        guard let number = Int64(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "out of range"))
        }
        try encode(number, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    { fatalError("records are flat") }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("records are flat")
    }
    mutating func superEncoder() -> any Encoder { fatalError("records are flat") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError("records are flat") }
}

/// Captures a raw-value enum's single value.
private struct SingleValueCapture: Encoder, SingleValueEncodingContainer {
    final class Storage { var value: ColumnValue? }
    let storage = Storage()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        fatalError("a column holds one value")
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a column holds one value") }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    mutating func encodeNil() throws { storage.value = .null }
    mutating func encode(_ value: Bool) throws { storage.value = .boolean(value) }
    mutating func encode(_ value: String) throws { storage.value = .text(value) }
    mutating func encode(_ value: Double) throws { storage.value = .double(value) }
    mutating func encode(_ value: Float) throws { storage.value = .double(Double(value)) }
    mutating func encode(_ value: Int) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: Int8) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: Int16) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: Int32) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: Int64) throws { storage.value = .integer(value) }
    mutating func encode(_ value: UInt) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: UInt8) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: UInt16) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: UInt32) throws { storage.value = .integer(Int64(value)) }
    mutating func encode(_ value: UInt64) throws { storage.value = Int64(exactly: value).map { .integer($0) } }
    mutating func encode<T: Encodable>(_ value: T) throws {
        switch value {
        case let date as Date: storage.value = .double(date.timeIntervalSince1970)
        case let data as Data: storage.value = .blob(data)
        default: try value.encode(to: self)
        }
    }
}

/// Decodes a record from a row, by column name.
struct RowDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from row: PostgresRow) throws -> T {
        try T(from: RowValuesDecoder(row: row.makeRandomAccess(), codingPath: []))
    }
}

private struct RowValuesDecoder: Decoder {
    let row: PostgresRandomAccessRow
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(
            Any.self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: PostgresRandomAccessRow
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.compactMap { Key(stringValue: $0.columnName) } }

    func contains(_ key: Key) -> Bool { row.contains(key.stringValue) }

    func cell(_ key: Key) throws -> PostgresCell {
        guard row.contains(key.stringValue) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [key], debugDescription: "no such column"))
        }
        return row[key.stringValue]
    }

    func decodeNil(forKey key: Key) throws -> Bool { try cell(key).bytes == nil }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let cell = try cell(key)
        guard cell.bytes != nil else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: [key], debugDescription: "NULL"))
        }
        return try CellDecoder(cell: cell, key: key).decode(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: [key], debugDescription: "a column holds one value"))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: [key], debugDescription: "a column holds one value"))
    }
    func superDecoder() throws -> any Decoder {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [], debugDescription: "flat"))
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder() }
}

/// One column's value, for the record's field type (or a raw-value enum's raw type).
private struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: PostgresCell
    let key: any CodingKey
    var codingPath: [any CodingKey] { [key] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: codingPath, debugDescription: "a column holds one value"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "a column holds one value"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell.bytes == nil }

    private func typed<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        do {
            return try cell.decode(T.self)
        } catch {
            throw DecodingError.typeMismatch(
                T.self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "column \(cell.columnName) of type \(cell.dataType) is not a \(T.self)"))
        }
    }

    func decode(_ type: Bool.Type) throws -> Bool { try typed(Bool.self) }
    func decode(_ type: String.Type) throws -> String { try typed(String.self) }
    func decode(_ type: Double.Type) throws -> Double { try typed(Double.self) }
    func decode(_ type: Float.Type) throws -> Float { Float(try typed(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { Int(try typed(Int64.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { try typed(Int64.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(Int32.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(UInt64.self) }

    private func narrow<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = T(exactly: try typed(Int64.self)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "out of range"))
        }
        return value
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Date.self { return Date(timeIntervalSince1970: try typed(Double.self)) as! T }
        if T.self == Data.self { return try typed(Data.self) as! T }
        return try T(from: self)
    }
}
