import CPangoCairo
import Foundation

/// Lays out and paints seal text with Pango on one Cairo context, one glyph at a time along arcs or centred on a
/// line. Any character no installed font has (Pango's unknown glyphs, drawn as boxes) is an error.
struct TextPainter {
    private let cr: OpaquePointer
    private let context: OpaquePointer

    init(_ cr: OpaquePointer) throws(SealPictureError) {
        guard let context = pango_cairo_create_context(cr) else {
            throw .rendering("pango could not make a context")
        }
        // User units are millimetres: glyph positions must not be rounded to whole units.
        pango_context_set_round_glyph_positions(context, 0)
        if let options = cairo_font_options_create() {
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            pango_cairo_context_set_font_options(context, options)
            cairo_font_options_destroy(options)
        }
        self.cr = cr
        self.context = context
    }

    func release() { g_object_unref(UnsafeMutableRawPointer(context)) }

    /// A laid-out glyph: its layout (owned), advance width, and where its ink starts and ends below the layout's
    /// top, in millimetres.
    private struct Glyph {
        let layout: OpaquePointer
        let width: Double
        let inkTop: Double
        let inkBottom: Double
        var inkMiddle: Double { (inkTop + inkBottom) / 2 }
    }

    private func glyph(_ text: String, size: Double, bold: Bool) throws(SealPictureError) -> Glyph {
        guard let layout = pango_layout_new(context) else { throw .rendering("pango could not make a layout") }
        let description = pango_font_description_from_string(SealPictureRenderer.fontFamilies)
        pango_font_description_set_absolute_size(description, size * Double(PANGO_SCALE))
        pango_font_description_set_weight(description, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)
        pango_layout_set_text(layout, text, -1)
        if pango_layout_get_unknown_glyphs_count(layout) > 0 {
            g_object_unref(UnsafeMutableRawPointer(layout))
            throw .missingGlyphs("no installed font can draw '\(text)' (install fonts-noto-cjk)")
        }
        var logical = PangoRectangle()
        var ink = PangoRectangle()
        pango_layout_get_extents(layout, &ink, &logical)
        let unit = Double(PANGO_SCALE)
        return Glyph(
            layout: layout, width: Double(logical.width) / unit, inkTop: Double(ink.y) / unit,
            inkBottom: Double(ink.y + ink.height) / unit)
    }

    private static func release(_ glyphs: [Glyph]) {
        for glyph in glyphs { g_object_unref(UnsafeMutableRawPointer(glyph.layout)) }
    }

    private func glyphs(_ text: String, size: Double, bold: Bool) throws(SealPictureError) -> [Glyph] {
        var glyphs: [Glyph] = []
        for character in text {
            do throws(SealPictureError) {
                glyphs.append(try glyph(String(character), size: size, bold: bold))
            } catch {
                Self.release(glyphs)
                throw error
            }
        }
        return glyphs
    }

    /// Glyph by glyph along `path` (the ink's outer edge on it), centred on its middle, in the condensed proportions
    /// of seal lettering (`condense` of the font's width). Glyphs are spaced for the radius their middles sit at, so
    /// they do not crowd inward; the text is shrunk to take at most `maxShare` of the outline (long organisation
    /// names get smaller characters, as on real seals).
    func along(_ path: ArcPath, _ text: String, size: Double, maxShare: Double, condense: Double, bold: Bool)
        throws(SealPictureError)
    {
        var size = size
        var laid = try glyphs(text, size: size, bold: bold)
        defer { Self.release(laid) }
        let radius = (path.rx + path.ry) / 2
        func advances(_ glyphs: [Glyph], _ size: Double) -> [Double] {
            glyphs.map { glyph in
                let depth = path.side == .top ? glyph.inkMiddle - glyph.inkTop : glyph.inkBottom - glyph.inkMiddle
                return glyph.width * condense * radius / max(radius - depth, radius / 2) + size * 0.08
            }
        }
        let available = path.length * maxShare
        let wanted = advances(laid, size).reduce(0, +)
        if wanted > available {
            size *= available / wanted
            // Laid out anew before the old layouts go: a failure must not leave `laid` released twice.
            let smaller = try glyphs(text, size: size, bold: bold)
            Self.release(laid)
            laid = smaller
        }
        let steps = advances(laid, size)
        var offset = -steps.reduce(0, +) / 2
        for (glyph, step) in zip(laid, steps) {
            let place = path.place(at: offset + step / 2)
            cairo_save(cr)
            cairo_translate(cr, place.x, place.y)
            cairo_rotate(cr, place.rotation)
            cairo_scale(cr, condense, 1)
            // Top text hangs inward from the outline; bottom text stands on it.
            cairo_move_to(cr, -glyph.width / 2, path.side == .top ? -glyph.inkTop : -glyph.inkBottom)
            pango_cairo_update_layout(cr, glyph.layout)
            pango_cairo_show_layout(cr, glyph.layout)
            cairo_restore(cr)
            offset += step
        }
    }

    /// One line centred horizontally on x = 0 with its ink's middle at `y`, condensed like `along`. Measured after
    /// the layout takes the drawing's transformation, so that it centres on what is drawn.
    func centred(_ text: String, size: Double, y: Double, condense: Double, bold: Bool) throws(SealPictureError) {
        let line = try glyph(text, size: size, bold: bold)
        defer { g_object_unref(UnsafeMutableRawPointer(line.layout)) }
        cairo_save(cr)
        cairo_scale(cr, condense, 1)
        pango_cairo_update_layout(cr, line.layout)
        var logical = PangoRectangle()
        var ink = PangoRectangle()
        pango_layout_get_extents(line.layout, &ink, &logical)
        let unit = Double(PANGO_SCALE)
        cairo_move_to(
            cr, -Double(ink.x + ink.width / 2) / unit, y - Double(ink.y + ink.height / 2) / unit)
        pango_cairo_show_layout(cr, line.layout)
        cairo_restore(cr)
    }
}
