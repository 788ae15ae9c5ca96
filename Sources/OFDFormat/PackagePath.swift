/// Paths inside an OFD package. Stored names are normalised once (`\` → `/`, no leading `/`, no `.` segments) so that
/// every lookup compares like with like; ST_Loc values are resolved against the XML file that holds them
/// (GB/T 33190 §7.2: a leading `/` is a package path, otherwise relative to that file's directory).
public enum PackagePath {
    /// The normalised form of a stored entry name, or a refusal for a name that escapes the package.
    public static func normalise(_ name: String) throws -> String {
        try resolve(name, against: "")
    }

    /// `loc` resolved against `directory` (a normalised directory path, "" for the root).
    public static func resolve(_ loc: String, against directory: String) throws -> String {
        guard !loc.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw OFDError(.unsafePath, "a path holds a control character")
        }
        let slashed = loc.replacingOccurrences(of: "\\", with: "/")
        let scalars = Array(slashed.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", scalars[0].properties.isAlphabetic {
            throw OFDError(.unsafePath, "\(loc) names a drive")
        }
        var segments: [Substring] = slashed.hasPrefix("/") ? [] : directory.split(separator: "/")
        for segment in slashed.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                guard !segments.isEmpty else { throw OFDError(.unsafePath, "\(loc) leaves the package") }
                segments.removeLast()
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { throw OFDError(.unsafePath, "\(loc) names no file") }
        return segments.joined(separator: "/")
    }

    /// The directory of a normalised path ("" at the root).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
