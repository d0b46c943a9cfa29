// SPDX-License-Identifier: MIT
#include "gap/gaptypes.h"

namespace dualscope::gap {

const char *kindName(GapKind kind)
{
    switch (kind) {
    case GapKind::Matched:
        return "matched";
    case GapKind::Missing:
        return "missing";
    case GapKind::Orphan:
        return "orphan";
    case GapKind::WrongChannel:
        return "wrong_channel";
    case GapKind::Duplicate:
        return "duplicate";
    case GapKind::Late:
        return "late";
    case GapKind::Oversized:
        return "oversized";
    case GapKind::Unparseable:
        return "unparseable";
    case GapKind::Unobserved:
        return "unobserved";
    case GapKind::KeySpread:
        return "key_spread";
    case GapKind::Reordered:
        return "reordered";
    }
    return "unknown";
}

std::optional<GapKind> kindFromName(QByteArrayView name)
{
    for (const GapKind kind : kAllGapKinds) {
        if (name == QByteArrayView(kindName(kind)))
            return kind;
    }
    return std::nullopt;
}

bool isInformational(GapKind kind)
{
    return kind == GapKind::KeySpread || kind == GapKind::Reordered;
}

qint64 GapCounts::gapTotal() const
{
    return missing + orphan + wrongChannel + duplicate + late + oversized + unparseable +
           unobserved;
}

qint64 GapCounts::of(GapKind kind) const
{
    return const_cast<GapCounts *>(this)->of(kind);
}

qint64 &GapCounts::of(GapKind kind)
{
    switch (kind) {
    case GapKind::Matched:
        return matched;
    case GapKind::Missing:
        return missing;
    case GapKind::Orphan:
        return orphan;
    case GapKind::WrongChannel:
        return wrongChannel;
    case GapKind::Duplicate:
        return duplicate;
    case GapKind::Late:
        return late;
    case GapKind::Oversized:
        return oversized;
    case GapKind::Unparseable:
        return unparseable;
    case GapKind::Unobserved:
        return unobserved;
    case GapKind::KeySpread:
        return keySpread;
    case GapKind::Reordered:
        return reordered;
    }
    Q_UNREACHABLE();
}

namespace {

// Why `pointer` is not an RFC 6901 JSON pointer, or an empty string when it is.
QString pointerProblem(const QByteArray &pointer)
{
    if (!pointer.startsWith('/'))
        return QStringLiteral("a JSON pointer starts with '/' (e.g. \"/id\")");
    for (qsizetype i = 0; i < pointer.size(); ++i) {
        const auto c = static_cast<unsigned char>(pointer[i]);
        if (c < 0x20 || c == 0x7f)
            return QStringLiteral("it contains a control character");
        if (c == '~') {
            const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
            if (next != '0' && next != '1')
                return QStringLiteral("'~' must be followed by '0' (for '~') or '1' (for '/')");
        }
    }
    return {};
}

} // namespace

bool FieldMapping::validate(const FieldMapping &mapping, QString *error)
{
    struct Field
    {
        const char *name;
        const QByteArray *pointer;
        bool required;
    };
    const Field fields[] = {
        {"kafka id", &mapping.kafkaId, true},
        {"kafka type", &mapping.kafkaType, false},
        {"kafka source_type", &mapping.kafkaSourceType, false},
        {"kafka source_id", &mapping.kafkaSourceId, false},
        {"notification id", &mapping.notificationId, true},
        {"notification type", &mapping.notificationType, false},
        {"notification source_id", &mapping.notificationSourceId, false},
    };
    for (const Field &field : fields) {
        QString problem;
        if (field.pointer->isEmpty()) {
            if (!field.required)
                continue;
            problem = QStringLiteral("it is required (e.g. \"/id\")");
        } else {
            problem = pointerProblem(*field.pointer);
        }
        if (!problem.isEmpty()) {
            if (error)
                *error =
                    QStringLiteral("the %1 pointer '%2' is refused: %3")
                        .arg(QLatin1String(field.name), QString::fromUtf8(*field.pointer), problem);
            return false;
        }
    }
    return true;
}

} // namespace dualscope::gap
