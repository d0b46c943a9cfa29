// SPDX-License-Identifier: MIT
#include "event/channeltemplate.h"

#include <algorithm>

namespace dualscope::event {

namespace {

// Why each byte is refused in a channel, or nullptr when it is fine.
const char *refusal(unsigned char c)
{
    switch (c) {
    case '*':
        return "the glob character '*', which would make pattern subscriptions ambiguous";
    case '?':
        return "the glob character '?', which would make pattern subscriptions ambiguous";
    case '[':
        return "the glob character '[', which would make pattern subscriptions ambiguous";
    case '\n':
    case '\r':
        return "a newline";
    case ' ':
    case '\t':
        return "whitespace";
    default:
        return (c < 0x20 || c == 0x7f) ? "a control character" : nullptr;
    }
}

const char *findRefusal(const QByteArray &text)
{
    for (const char c : text) {
        if (const char *why = refusal(static_cast<unsigned char>(c)))
            return why;
    }
    return nullptr;
}

} // namespace

ChannelTemplate ChannelTemplate::defaultTemplate()
{
    QString error;
    // The default is known to be valid; parse() keeps one code path for both.
    return *parse(QString::fromLatin1(kDefaultText), &error);
}

std::optional<ChannelTemplate> ChannelTemplate::parse(const QString &text, QString *error)
{
    auto refuse = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("channel template '%1' is refused: %2").arg(text, why);
        return std::nullopt;
    };
    if (text.isEmpty())
        return refuse(QStringLiteral("it is empty"));

    ChannelTemplate result;
    result.m_text = text;
    const QByteArray utf8 = text.toUtf8();
    qsizetype i = 0;
    while (i < utf8.size()) {
        const qsizetype open = utf8.indexOf('{', i);
        const qsizetype stray = utf8.indexOf('}', i);
        if (stray != -1 && (open == -1 || stray < open))
            return refuse(QStringLiteral("a '}' without its '{'"));
        const QByteArray literal = utf8.mid(i, (open == -1 ? utf8.size() : open) - i);
        if (!literal.isEmpty()) {
            if (const char *why = findRefusal(literal))
                return refuse(QStringLiteral("it contains %1").arg(QLatin1String(why)));
            result.m_parts.append({Slot::Literal, literal});
        }
        if (open == -1)
            break;
        const qsizetype close = utf8.indexOf('}', open);
        if (close == -1)
            return refuse(QStringLiteral("a '{' without its '}'"));
        const QByteArray name = utf8.mid(open + 1, close - open - 1);
        Slot slot;
        if (name == "source_type")
            slot = Slot::SourceType;
        else if (name == "source_id")
            slot = Slot::SourceId;
        else if (name == "type")
            slot = Slot::Type;
        else if (name == "id")
            return refuse(QStringLiteral("{id} would make one channel per event; the contract "
                                         "publishes on a channel per source"));
        else
            return refuse(QStringLiteral("unknown placeholder {%1} (known: {source_type}, "
                                         "{source_id}, {type})")
                              .arg(QString::fromUtf8(name)));
        if (!result.m_parts.isEmpty() && result.m_parts.last().slot != Slot::Literal)
            return refuse(QStringLiteral("placeholders must be separated by literal text"));
        result.m_parts.append({slot, {}});
        i = close + 1;
    }
    // An empty part: two ':' in a row, or a ':' at either end.
    if (utf8.contains("::") || utf8.startsWith(':') || utf8.endsWith(':'))
        return refuse(QStringLiteral("it has an empty part (a ':' with nothing on one side)"));
    return result;
}

std::optional<QByteArray> ChannelTemplate::sourceIdOf(QByteArrayView channel) const
{
    std::optional<QByteArray> sourceId;
    qsizetype at = 0;
    for (qsizetype i = 0; i < m_parts.size(); ++i) {
        const Part &part = m_parts.at(i);
        if (part.slot == Slot::Literal) {
            if (!channel.sliced(at).startsWith(part.literal))
                return std::nullopt;
            at += part.literal.size();
            continue;
        }
        // Adjacent placeholders are refused by parse(): a literal or the end follows.
        qsizetype end = channel.size();
        if (i + 1 < m_parts.size()) {
            end = channel.indexOf(m_parts.at(i + 1).literal, at);
            if (end < 0)
                return std::nullopt;
        }
        if (end == at)
            return std::nullopt; // an empty part: not a channel of this template
        if (part.slot == Slot::SourceId)
            sourceId = channel.sliced(at, end - at).toByteArray();
        at = end;
    }
    return at == channel.size() ? sourceId : std::nullopt;
}

bool ChannelTemplate::hasSourceId() const
{
    return std::any_of(m_parts.cbegin(), m_parts.cend(),
                       [](const Part &part) { return part.slot == Slot::SourceId; });
}

bool ChannelTemplate::expand(const Event &event, QByteArray *channel, QString *error) const
{
    channel->resize(0); // keeps the capacity: this runs once per published event
    for (const Part &part : m_parts) {
        const QByteArray *value = nullptr;
        const char *field = nullptr;
        switch (part.slot) {
        case Slot::Literal:
            channel->append(part.literal);
            continue;
        case Slot::SourceType:
            value = &event.sourceType;
            field = "source_type";
            break;
        case Slot::SourceId:
            value = &event.sourceId;
            field = "source_id";
            break;
        case Slot::Type:
            value = &event.type;
            field = "type";
            break;
        }
        if (value->isEmpty()) {
            if (error)
                *error = QStringLiteral("%1 is empty: the channel would have an empty part")
                             .arg(QLatin1String(field));
            return false;
        }
        if (const char *why = findRefusal(*value)) {
            if (error)
                *error =
                    QStringLiteral("%1 '%2' contains %3")
                        .arg(QLatin1String(field), QString::fromUtf8(*value), QLatin1String(why));
            return false;
        }
        channel->append(*value);
    }
    return true;
}

QByteArray ChannelTemplate::subscriptionPattern() const
{
    QByteArray pattern;
    for (const Part &part : m_parts) {
        if (part.slot != Slot::Literal)
            return pattern + '*';
        pattern += part.literal;
    }
    return pattern; // no placeholder: the template is one fixed channel
}

} // namespace dualscope::event
