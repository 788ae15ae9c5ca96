/// Where text sits on a page: each TextCode's characters with their positions (GB/T 33190 §11), enough to put a seal
/// on a keyword such as 盖章处 ("seal here"). Positions ignore a CTM on the text object (producers of e-licences write
/// none on text); the keyword must lie within one TextCode.
public struct PageText: Sendable {
    public struct Run: Sendable {
        public let text: [Character]
        /// Each character's x (mm, page space) and the run's baseline y.
        public let xs: [Double]
        public let baseline: Double
        public let size: Double
    }

    public let runs: [Run]

    public init(_ content: XMLTree) {
        var runs: [Run] = []
        for object in content.descendants("TextObject") {
            let box = PageBox(object.attributes["Boundary"]) ?? PageBox(x: 0, y: 0, width: 0, height: 0)
            let size = Double(object.attributes["Size"] ?? "") ?? 3.5
            var x = box.x
            var y = box.y
            for code in object.children("TextCode") {
                if let value = Double(code.attributes["X"] ?? "") { x = box.x + value }
                if let value = Double(code.attributes["Y"] ?? "") { y = box.y + value }
                let characters = Array(code.text)
                let deltas = Self.deltas(code.attributes["DeltaX"], count: characters.count, size: size)
                var xs: [Double] = []
                var cursor = x
                for index in characters.indices {
                    xs.append(cursor)
                    cursor += deltas[index]
                }
                runs.append(Run(text: characters, xs: xs, baseline: y, size: size))
                x = cursor
            }
        }
        self.runs = runs
    }

    /// The centres of every appearance of `keyword`, in reading order, in page millimetres.
    public func centres(of keyword: String) -> [(x: Double, y: Double)] {
        let needle = Array(keyword)
        guard !needle.isEmpty else { return [] }
        var found: [(x: Double, y: Double)] = []
        for run in runs where run.text.count >= needle.count {
            for start in 0...(run.text.count - needle.count)
            where run.text[start..<start + needle.count].elementsEqual(needle) {
                let end = start + needle.count - 1
                let right = run.xs[end] + (end + 1 < run.xs.count ? run.xs[end + 1] - run.xs[end] : run.size)
                found.append(((run.xs[start] + right) / 2, run.baseline - run.size / 2))
            }
        }
        return found
    }

    /// DeltaX expanded: numbers, and `g N d` meaning N times d (GB/T 33190 §11.3); missing ones are one em.
    static func deltas(_ text: String?, count: Int, size: Double) -> [Double] {
        var values: [Double] = []
        let tokens = (text ?? "").split(separator: " ").map(String.init)
        var index = 0
        while index < tokens.count, values.count < count {
            if tokens[index] == "g", index + 2 < tokens.count, let times = Int(tokens[index + 1]),
                let delta = Double(tokens[index + 2])
            {
                values += Array(repeating: delta, count: max(0, min(times, count)))
                index += 3
            } else {
                values.append(Double(tokens[index]) ?? size)
                index += 1
            }
        }
        return Array((values + Array(repeating: size, count: max(0, count - values.count))).prefix(count))
    }
}
