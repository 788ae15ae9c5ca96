import Foundation
import ZIPFoundation

/// Writes a package again with some parts replaced and new ones added. Every other entry keeps its name and its
/// inflated bytes exactly (what CheckValues hash); only the ZIP framing is new.
public enum PackageWriter {
    public static func write(_ package: OFDPackage, replacing: [String: [UInt8]], adding: [(String, [UInt8])]) throws
        -> [UInt8]
    {
        let archive: Archive
        do {
            archive = try Archive(data: Data(), accessMode: .create)
        } catch {
            throw OFDError(.notZip, "a new ZIP package cannot be made (\(error))")
        }
        for directory in package.directories {
            try add(directory, nil, to: archive)
        }
        for entry in package.entries {
            try add(entry.storedName, replacing[entry.path] ?? entry.bytes, to: archive)
        }
        for (path, bytes) in adding where package.entry(path) == nil {
            try add(path, bytes, to: archive)
        }
        guard let data = archive.data else { throw OFDError(.notZip, "the new ZIP package was not written") }
        return Array(data)
    }

    private static func add(_ name: String, _ bytes: [UInt8]?, to archive: Archive) throws {
        do {
            guard let bytes else {
                try archive.addEntry(
                    with: name, type: .directory, uncompressedSize: Int64(0),
                    modificationDate: Date(timeIntervalSince1970: 0)
                ) { (_: Int64, _: Int) in Data() }
                return
            }
            let data = Data(bytes)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count),
                modificationDate: Date(timeIntervalSince1970: 315_532_800),
                compressionMethod: .deflate
            ) { (position: Int64, size: Int) in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        } catch {
            throw OFDError(.notZip, "\(name) cannot be written to the package (\(error))")
        }
    }
}
