import CPangoCairo
import CZLibChecksum
import Foundation

/// Collects what a Cairo stream writes (PNG or SVG) into bytes; Cairo calls back on the drawing thread.
final class StreamSink {
    var bytes: [UInt8] = []

    static let write: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<StreamSink>.fromOpaque(closure).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}

enum PNGResolution {
    /// Inserts a pHYs chunk (pixels per metre) after IHDR, so the PNG states the DPI it was drawn at: Cairo writes
    /// none, and without it a viewer or an OFD producer cannot tell 40 mm from 40 pixels.
    static func stamp(_ png: [UInt8], dpi: Int) -> [UInt8] {
        // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC) = 33 bytes.
        guard png.count > 33, png[12..<16].elementsEqual(Array("IHDR".utf8)) else { return png }
        let perMetre = UInt32((Double(dpi) / 0.0254).rounded())
        var body = Array("pHYs".utf8)
        for _ in 0..<2 { body += bigEndian(perMetre) }
        body.append(1)  // unit: metre
        let crc = body.withUnsafeBufferPointer { UInt32(trustd_crc32(0, $0.baseAddress, UInt($0.count))) }
        let chunk = bigEndian(9) + body + bigEndian(crc)
        return Array(png[0..<33]) + chunk + Array(png[33...])
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
