// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace dualscope::event {

// A place in a text as an editor shows it: both 1-based; the column counts UTF-8
// code points, not bytes, so an "é" earlier on the line moves the column by one,
// as it does in the template editor.
struct TextPosition
{
    int line = 1;
    int column = 1;

    friend bool operator==(const TextPosition &, const TextPosition &) = default;
};

// Turns a byte offset (such as RapidJSON's GetErrorOffset()) into a line and a
// column. Line breaks are "\n", "\r\n" and a lone "\r". The offset is clamped to
// [0, text.size()]; the position of text.size() is just after the last character.
// Bytes of an invalid UTF-8 sequence count one column each (every byte that is not
// a continuation byte starts a column), so an error at a bad byte is still found.
// Any thread; pure function.
TextPosition positionAt(const QByteArray &text, qsizetype byteOffset);

} // namespace dualscope::event
