import CPangoCairo
import Foundation

/// Draws a ``SealDrawing`` with Cairo and Pango (text shaped with fontconfig's CJK fonts) as a PNG with a transparent
/// background at a stated DPI, or as an SVG whose text is outlines (viewers need no font). Seal red is #D40000.
/// Drawing is serialised: Pango's font maps and fontconfig are shared state, and pictures are not a hot path.
public enum SealPictureRenderer {
    public static let dpiRange = 72...600
    public static let fontFamilies = "Noto Serif CJK SC, Noto Sans CJK SC, WenQuanYi Zen Hei, serif"
    private static let lock = NSLock()

    public static func png(_ drawing: SealDrawing, dpi: Int = 300) throws(SealPictureError) -> [UInt8] {
        guard dpiRange.contains(dpi) else {
            throw .invalid("dpi must be \(dpiRange.lowerBound) to \(dpiRange.upperBound)")
        }
        let scale = Double(dpi) / 25.4
        let width = Int32((drawing.widthMM * scale).rounded(.up))
        let height = Int32((drawing.heightMM * scale).rounded(.up))
        let png = try locked { () throws(SealPictureError) -> [UInt8] in
            guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height) else {
                throw .rendering("cairo could not make a \(width)×\(height) surface")
            }
            defer { cairo_surface_destroy(surface) }
            try draw(drawing, on: surface, scale: scale)
            let sink = StreamSink()
            let status = cairo_surface_write_to_png_stream(
                surface, StreamSink.write, Unmanaged.passUnretained(sink).toOpaque())
            guard status == CAIRO_STATUS_SUCCESS else { throw .rendering(Self.describe(status)) }
            return withExtendedLifetime(sink) { sink.bytes }
        }
        return PNGResolution.stamp(png, dpi: dpi)
    }

    public static func svg(_ drawing: SealDrawing) throws(SealPictureError) -> [UInt8] {
        try locked { () throws(SealPictureError) -> [UInt8] in
            let sink = StreamSink()
            // With the document unit set to mm, Cairo 1.16 writes the surface's size as given with "mm" after it
            // (and the same numbers as the viewBox): so the surface is sized, and drawn, in millimetres.
            guard
                let surface = cairo_svg_surface_create_for_stream(
                    StreamSink.write, Unmanaged.passUnretained(sink).toOpaque(), drawing.widthMM, drawing.heightMM)
            else { throw .rendering("cairo could not make an SVG surface") }
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_MM)
            do throws(SealPictureError) {
                try draw(drawing, on: surface, scale: 1)
            } catch {
                cairo_surface_destroy(surface)
                throw error
            }
            cairo_surface_finish(surface)
            let status = cairo_surface_status(surface)
            cairo_surface_destroy(surface)
            guard status == CAIRO_STATUS_SUCCESS else { throw .rendering(Self.describe(status)) }
            return withExtendedLifetime(sink) { sink.bytes }
        }
    }

    private static func locked<T>(_ body: () throws(SealPictureError) -> T) throws(SealPictureError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private static func describe(_ status: cairo_status_t) -> String {
        String(cString: cairo_status_to_string(status))
    }

    // MARK: Drawing (user units are millimetres, origin at the seal's centre)

    private static func draw(_ drawing: SealDrawing, on surface: OpaquePointer, scale: Double) throws(SealPictureError)
    {
        guard let cr = cairo_create(surface) else { throw .rendering("cairo could not draw") }
        defer { cairo_destroy(cr) }
        cairo_scale(cr, scale, scale)
        cairo_translate(cr, drawing.widthMM / 2, drawing.heightMM / 2)
        cairo_set_source_rgba(cr, 0xD4 / 255.0, 0, 0, 1)
        let text = try TextPainter(cr)
        defer { text.release() }

        let rx = drawing.widthMM / 2
        let ry = drawing.heightMM / 2
        let short = min(drawing.widthMM, drawing.heightMM)
        let border = drawing.shape == .round ? short * 0.028 : short * 0.033
        ellipse(cr, rx: rx - border / 2, ry: ry - border / 2)
        cairo_set_line_width(cr, border)
        cairo_stroke(cr)

        let inset = border + short * 0.035
        switch drawing.shape {
        case .round:
            try text.along(
                ArcPath(rx: rx - inset, ry: ry - inset, side: .top), drawing.organization, size: short * 0.15,
                maxShare: 0.6, condense: 0.8, bold: true)
            star(cr, radius: short * 0.17)
            if let label = drawing.label {
                try text.centred(label, size: short * 0.1, y: short * 0.27, condense: 0.85, bold: true)
            }
            if let number = drawing.number {
                try text.along(
                    ArcPath(rx: rx - border - short * 0.03, ry: ry - border - short * 0.03, side: .bottom), number,
                    size: short * 0.06, maxShare: 0.3, condense: 0.75, bold: false)
            }
        case .oval:
            try text.along(
                ArcPath(rx: rx - inset, ry: ry - inset, side: .top), drawing.organization, size: short * 0.17,
                maxShare: 0.5, condense: 0.75, bold: true)
            if let number = drawing.number {
                try text.centred(number, size: short * 0.09, y: short * 0.04, condense: 0.7, bold: true)
            }
            if let label = drawing.label {
                try text.centred(label, size: short * 0.14, y: short * 0.3, condense: 0.85, bold: true)
            }
        }
        cairo_surface_flush(surface)
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else { throw .rendering(describe(status)) }
    }

    private static func ellipse(_ cr: OpaquePointer, rx: Double, ry: Double) {
        cairo_save(cr)
        cairo_scale(cr, rx, ry)
        cairo_new_path(cr)
        cairo_arc(cr, 0, 0, 1, 0, 2 * Double.pi)
        cairo_restore(cr)
    }

    private static func star(_ cr: OpaquePointer, radius: Double) {
        cairo_new_path(cr)
        for index in 0..<10 {
            let r = index % 2 == 0 ? radius : radius * 0.382
            let angle = Double(index) * Double.pi / 5
            let x = r * sin(angle)
            let y = -r * cos(angle)
            if index == 0 { cairo_move_to(cr, x, y) } else { cairo_line_to(cr, x, y) }
        }
        cairo_close_path(cr)
        cairo_fill(cr)
    }
}
