// SPDX-License-Identifier: MIT
#include "jsonlines.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QString>

namespace dualscope::cli {

void appendJsonString(QByteArray &line, const QByteArray &text)
{
    // QJsonValue escapes and replaces invalid UTF-8 the way jq expects.
    const QByteArray quoted = QJsonDocument(QJsonArray{QJsonValue(QString::fromUtf8(text))})
                                  .toJson(QJsonDocument::Compact);
    line.append(quoted.mid(1, quoted.size() - 2)); // drop the array brackets
}

void appendJsonValueOrString(QByteArray &line, const QByteArray &text)
{
    const QByteArray trimmed = text.trimmed();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(trimmed, &error);
        if (error.error == QJsonParseError::NoError) {
            line.append(document.toJson(QJsonDocument::Compact));
            return;
        }
    }
    appendJsonString(line, text);
}

} // namespace dualscope::cli
