#ifndef TRUSTD_CPANGOCAIRO_SHIM_H
#define TRUSTD_CPANGOCAIRO_SHIM_H
// Cairo draws seal pictures (PNG and SVG surfaces); Pango lays out and shapes the CJK text with fontconfig's fonts.
#include <cairo.h>
#include <cairo-svg.h>
#include <pango/pangocairo.h>
#endif
