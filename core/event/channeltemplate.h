// SPDX-License-Identifier: MIT
#pragma once

#include "event/event.h"

#include <QList>
#include <QString>
#include <optional>

namespace dualscope::event {

// The Redis channel a notification is published on, e.g.
// "events:{source_type}:{source_id}" -> "events:user:octocat". Placeholders:
// {source_type}, {source_id}, {type}. {id} is refused: the contract forbids one
// channel per event. Plain value type; all methods are thread-safe.
class ChannelTemplate
{
public:
    static constexpr const char *kDefaultText = "events:{source_type}:{source_id}";

    // Refuses an empty template, unknown or unbalanced placeholders, adjacent
    // placeholders (ambiguous), an empty part ("a::b"), whitespace or control
    // characters, and the glob characters * ? [ that would make pattern
    // subscriptions ambiguous. The error says which.
    static std::optional<ChannelTemplate> parse(const QString &text, QString *error);
    static ChannelTemplate defaultTemplate();

    // Fills the placeholders from the event. Refuses a value that is empty or
    // holds a newline, a control character or a glob character, naming the field.
    bool expand(const Event &event, QByteArray *channel, QString *error) const;

    // The source_id a channel of this template carries ("events:user:octocat" ->
    // "octocat"), read back from the channel name alone: each placeholder runs to the
    // first occurrence of the literal after it (the last one to the end). Nullopt when
    // the channel does not have the template's shape or the template has no
    // {source_id}. A value holding the literal that follows it reads back short.
    std::optional<QByteArray> sourceIdOf(QByteArrayView channel) const;

    // The Redis pattern that matches every channel this template can produce:
    // the literal text up to the first placeholder followed by '*'.
    QByteArray subscriptionPattern() const;
    bool hasSourceId() const;
    QString text() const { return m_text; }

private:
    enum class Slot { Literal, SourceType, SourceId, Type };
    struct Part
    {
        Slot slot;
        QByteArray literal;
    };

    ChannelTemplate() = default;

    QString m_text;
    QList<Part> m_parts;
};

} // namespace dualscope::event
