// SPDX-License-Identifier: MIT
#include "jsonposition.h"

namespace dualscope::event {

TextPosition positionAt(const QByteArray &text, qsizetype byteOffset)
{
    const qsizetype end = qBound(qsizetype(0), byteOffset, text.size());
    const char *data = text.constData();
    TextPosition position;
    for (qsizetype i = 0; i < end; ++i) {
        const auto byte = static_cast<unsigned char>(data[i]);
        if (byte == '\n') {
            ++position.line;
            position.column = 1;
        } else if (byte == '\r') {
            // "\r\n" is one break: the '\n' that follows does the counting.
            if (i + 1 < text.size() && data[i + 1] == '\n')
                continue;
            ++position.line;
            position.column = 1;
        } else if ((byte & 0xC0) != 0x80) {
            ++position.column;
        }
    }
    return position;
}

} // namespace dualscope::event
