import Foundation

/// Positions along the upper or lower arc of a circle or an ellipse (centre at the origin, y down), spaced by arc
/// length so that glyphs keep even gaps on an oval too.
struct ArcPath {
    enum Side { case top, bottom }

    let rx: Double
    let ry: Double
    let side: Side
    /// Arc length from parameter -π, sampled over [-π, π].
    private let lengths: [Double]
    private static let samples = 2048

    init(rx: Double, ry: Double, side: Side) {
        self.rx = rx
        self.ry = ry
        self.side = side
        var lengths = [0.0]
        var previous = Self.point(rx, ry, side, -Double.pi)
        for index in 1...Self.samples {
            let next = Self.point(rx, ry, side, -Double.pi + 2 * Double.pi * Double(index) / Double(Self.samples))
            lengths.append(lengths[index - 1] + hypot(next.x - previous.x, next.y - previous.y))
            previous = next
        }
        self.lengths = lengths
    }

    /// `t` = 0 at the top (side top) or the bottom (side bottom); increasing t runs left to right.
    private static func point(_ rx: Double, _ ry: Double, _ side: Side, _ t: Double) -> (x: Double, y: Double) {
        side == .top ? (rx * sin(t), -ry * cos(t)) : (rx * sin(t), ry * cos(t))
    }

    /// The rotation that turns a glyph's up towards the outside (top) or the centre (bottom).
    private func rotation(_ t: Double) -> Double {
        side == .top ? atan2(sin(t) / rx, cos(t) / ry) : atan2(-sin(t) / rx, cos(t) / ry)
    }

    var length: Double { lengths[Self.samples] }

    /// The point and rotation `offset` along the arc from its middle (negative: to the left).
    func place(at offset: Double) -> (x: Double, y: Double, rotation: Double) {
        let target = length / 2 + offset
        var low = 0
        var high = Self.samples
        while high - low > 1 {
            let middle = (low + high) / 2
            if lengths[middle] < target { low = middle } else { high = middle }
        }
        let t = -Double.pi + 2 * Double.pi * Double(low) / Double(Self.samples)
        let point = Self.point(rx, ry, side, t)
        return (point.x, point.y, rotation(t))
    }
}
