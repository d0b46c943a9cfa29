// SPDX-License-Identifier: MIT
#pragma once

#include "event/event.h"

#include <QByteArray>
#include <QString>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace dualscope::generate {

// Where and why a template did not compile. line/column are 1-based, the column
// counts UTF-8 code points (event::positionAt), as the template editor shows them.
struct TemplateError
{
    int line = 0;
    int column = 0;
    QString message;

    // "line 3, column 14: unknown placeholder '{{foo}}'"
    QString toString() const;
};

// An event template compiled once and expanded into many Events on the publish
// hot path. Compilation turns the JSON text into literal fragments and placeholder
// slots, so an expansion only appends bytes: no JSON DOM, no parsing.
//
// Template text: a JSON object with the optional fields
//   "id" (default "{{uuid}}"), "type" ("test.event"), "source_type" ("test"),
//   "source_id" ("source"), "timestamp" ("{{now}}"), "payload" (object, {}).
// Placeholders may appear in any string value (top-level fields and at any depth
// of the payload; never in object keys):
//   {{seq}}            the sequence number given to expand(); {{seq:START}} adds START
//   {{uuid}}           random v4 UUID, lower-case, no braces
//   {{now}}            ISO 8601 UTC with milliseconds, e.g. 2026-11-27T15:04:05.123Z
//   {{now_ms}}         milliseconds since the epoch
//   {{int:LO:HI}}      uniform random integer in [LO, HI] (64-bit)
//   {{choice:a|b|c}}   one of the listed strings, uniformly
//   {{source}}         this event's source_id (after the spread); not in source_id
// In the payload, a string that is exactly one numeric placeholder ({{seq}},
// {{now_ms}}, {{int:..}}) becomes a JSON number; anywhere else a placeholder is
// substituted as text (JSON-escaped in the payload). Each {{uuid}}, {{int}} and
// {{choice}} draws anew; {{now}} is the same instant throughout one event.
// "timestamp" must be "{{now}}", "{{now_ms}}" or a fixed ISO 8601 timestamp.
//
// Value type, cheap to copy: the compiled form is shared and immutable. A copy is
// reseeded, so that two workers expanding copies never produce the same UUIDs;
// setSeed() on each copy when reproducible output is wanted. A move keeps the
// state. Not thread-safe: expand() changes the generator, so each thread expands
// its own copy. compile() may run on any thread.
class EventTemplate
{
public:
    // nullopt and *error filled (when error is not null) if the text is not a
    // valid template.
    static std::optional<EventTemplate> compile(const QByteArray &text,
                                                TemplateError *error = nullptr);
    // The template the composer starts with (also resources/templates/default.json).
    static QByteArray defaultTemplateText();

    // k > 1: the source_id of event seq n becomes "<source_id>-<n mod k>", so that
    // Kafka keys and Redis channels spread evenly over k sources. k <= 1: as is.
    void setSourceSpread(int k);
    int sourceSpread() const { return m_spread; }

    // Reproducible expansions for tests; by default each template is seeded once
    // from QRandomGenerator::global().
    void setSeed(quint64 seed);

    event::Event expand(qint64 seq, qint64 nowMs);
    // The same, reusing out's buffers where they are not shared (the hot path).
    void expandInto(event::Event &out, qint64 seq, qint64 nowMs);

    EventTemplate(const EventTemplate &other);
    EventTemplate &operator=(const EventTemplate &other);
    EventTemplate(EventTemplate &&) noexcept = default;
    EventTemplate &operator=(EventTemplate &&) noexcept = default;
    ~EventTemplate() = default;

    // Implementation details, defined in eventtemplate.cpp.
    struct Program;
    struct Compiled;

private:
    EventTemplate() = default;

    void expandField(QByteArray &out, const Program &program, qint64 seq, qint64 nowMs,
                     const QByteArray &source);
    void appendProgram(QByteArray &out, const Program &program, qint64 seq, qint64 nowMs,
                       const QByteArray &source);
    void appendUuid(QByteArray &out);
    const QByteArray &nowText(qint64 nowMs);

    std::shared_ptr<const Compiled> m_compiled;
    std::mt19937_64 m_random;
    int m_spread = 1;
    // The k spread source ids, built once when source_id has no placeholders, so
    // the hot path assigns a shared QByteArray instead of formatting one.
    std::shared_ptr<const std::vector<QByteArray>> m_spreadNames;
    // One formatted "now" reused for every event of the same millisecond.
    qint64 m_nowCacheMs = 0;
    QByteArray m_nowCacheText;
};

} // namespace dualscope::generate
