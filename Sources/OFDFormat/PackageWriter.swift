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
            let replaced = replacing[entry.path]
            // Pictures and scans are compressed already: deflating them again costs more than sealing does.
            let incompressible =
                replaced == nil && entry.bytes.count > 4096 && entry.storedSize * 10 >= entry.bytes.count * 9
            try add(entry.storedName, replaced ?? entry.bytes, to: archive, deflate: !incompressible)
        }
        for (path, bytes) in adding where package.entry(path) == nil {
            try add(path, bytes, to: archive)
        }
        guard let data = archive.data else { throw OFDError(.notZip, "the new ZIP package was not written") }
        return Array(data)
    }

    private static func add(_ name: String, _ bytes: [UInt8]?, to archive: Archive, deflate: Bool = true) throws {
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
                compressionMethod: deflate ? .deflate : .none
            ) { (position: Int64, size: Int) in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        } catch {
            throw OFDError(.notZip, "\(name) cannot be written to the package (\(error))")
        }
    }
}
