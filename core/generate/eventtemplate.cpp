// SPDX-License-Identifier: MIT
#include "eventtemplate.h"

#include "generate/templatecompiler.h"
#include "generate/templateprogram.h"

#include <QRandomGenerator>
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace dualscope::generate {

namespace {

using Program = EventTemplate::Program;

// Above this many sources the spread names are formatted per event instead of
// being kept in a table (4096 short QByteArrays are ~200 kB).
constexpr int kMaxPrecomputedSpread = 4096;

void appendNumber(QByteArray &out, qint64 value)
{
    std::array<char, 24> digits;
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), result.ptr - digits.data());
}

} // namespace

QString TemplateError::toString() const
{
    if (line <= 0)
        return message;
    return QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(message);
}

std::optional<EventTemplate> EventTemplate::compile(const QByteArray &text, TemplateError *error)
{
    std::optional<Compiled> program = compileTemplate(text, error);
    if (!program)
        return std::nullopt;
    EventTemplate compiled;
    compiled.m_compiled = std::make_shared<const Compiled>(std::move(*program));
    compiled.m_random.seed(QRandomGenerator::global()->generate64());
    return compiled;
}

QByteArray EventTemplate::defaultTemplateText()
{
    // Kept identical to resources/templates/default.json (a test compares them).
    return QByteArrayLiteral(R"({
  "id": "{{uuid}}",
  "type": "order.created",
  "source_type": "user",
  "source_id": "user",
  "timestamp": "{{now}}",
  "payload": {
    "seq": "{{seq}}",
    "amount": "{{int:1:500}}",
    "currency": "{{choice:EUR|USD|GBP}}",
    "note": "order {{seq}} from {{source}}"
  }
}
)");
}

EventTemplate::EventTemplate(const EventTemplate &other)
    : m_compiled(other.m_compiled), m_spread(other.m_spread), m_spreadNames(other.m_spreadNames),
      m_nowCacheMs(other.m_nowCacheMs), m_nowCacheText(other.m_nowCacheText)
{
    // Not a copy of the generator state: copies must not repeat each other's UUIDs.
    m_random.seed(QRandomGenerator::global()->generate64());
}

EventTemplate &EventTemplate::operator=(const EventTemplate &other)
{
    if (this != &other)
        *this = EventTemplate(other);
    return *this;
}

void EventTemplate::setSourceSpread(int k)
{
    m_spread = std::max(1, k);
    m_spreadNames.reset();
    const Program &source = m_compiled->sourceId;
    if (m_spread > 1 && m_spread <= kMaxPrecomputedSpread && source.constant) {
        auto names = std::make_shared<std::vector<QByteArray>>();
        names->reserve(size_t(m_spread));
        for (int i = 0; i < m_spread; ++i) {
            QByteArray name = source.constantValue;
            name.append('-');
            appendNumber(name, i);
            names->push_back(std::move(name));
        }
        m_spreadNames = std::move(names);
    }
}

void EventTemplate::setSeed(quint64 seed)
{
    m_random.seed(seed);
}

event::Event EventTemplate::expand(qint64 seq, qint64 nowMs)
{
    event::Event event;
    expandInto(event, seq, nowMs);
    return event;
}

void EventTemplate::expandInto(event::Event &out, qint64 seq, qint64 nowMs)
{
    const Compiled &compiled = *m_compiled;

    // The source first: the other fields may refer to it with {{source}}.
    const qint64 spreadIndex = m_spread > 1 ? ((seq % m_spread) + m_spread) % m_spread : 0;
    if (m_spreadNames) {
        out.sourceId = (*m_spreadNames)[size_t(spreadIndex)];
    } else {
        expandField(out.sourceId, compiled.sourceId, seq, nowMs, QByteArray());
        if (m_spread > 1) {
            out.sourceId.append('-');
            appendNumber(out.sourceId, spreadIndex);
        }
    }
    expandField(out.id, compiled.id, seq, nowMs, out.sourceId);
    expandField(out.type, compiled.type, seq, nowMs, out.sourceId);
    expandField(out.sourceType, compiled.sourceType, seq, nowMs, out.sourceId);
    out.timestampMs = compiled.fixedTimestamp ? compiled.timestampMs : nowMs;
    expandField(out.payloadJson, compiled.payload, seq, nowMs, out.sourceId);
}

void EventTemplate::expandField(QByteArray &out, const Program &program, qint64 seq, qint64 nowMs,
                                const QByteArray &source)
{
    if (program.constant) {
        out = program.constantValue;
        return;
    }
    // resize(0) keeps the capacity of an unshared buffer: no allocation when the
    // caller reuses its Event.
    out.resize(0);
    out.reserve(program.sizeHint);
    appendProgram(out, program, seq, nowMs, source);
}

void EventTemplate::appendProgram(QByteArray &out, const Program &program, qint64 seq, qint64 nowMs,
                                  const QByteArray &source)
{
    for (const Op &op : program.ops) {
        switch (op.kind) {
        case Slot::Literal:
            out.append(op.text);
            break;
        case Slot::Seq:
            // Unsigned addition: a start near the int64 limit wraps instead of being UB.
            appendNumber(out, qint64(quint64(op.low) + quint64(seq)));
            break;
        case Slot::Uuid:
            appendUuid(out);
            break;
        case Slot::Now:
            out.append(nowText(nowMs));
            break;
        case Slot::NowMs:
            appendNumber(out, nowMs);
            break;
        case Slot::Int:
            appendNumber(out, std::uniform_int_distribution<qint64>(op.low, op.high)(m_random));
            break;
        case Slot::Choice:
            out.append(op.choices[std::uniform_int_distribution<size_t>(0, op.choices.size() -
                                                                               1)(m_random)]);
            break;
        case Slot::Source:
            if (op.escape)
                appendJsonEscaped(out, source.constData(), source.size());
            else
                out.append(source);
            break;
        }
    }
}

void EventTemplate::appendUuid(QByteArray &out)
{
    static constexpr char hex[] = "0123456789abcdef";
    // RFC 4122 version 4: 122 random bits, version nibble 4, variant bits 10.
    const quint64 high = (m_random() & ~quint64(0xF000)) | quint64(0x4000);
    const quint64 low = (m_random() & ~(quint64(0xC) << 60)) | (quint64(0x8) << 60);
    std::array<char, 36> text;
    int at = 0;
    for (int nibble = 0; nibble < 32; ++nibble) {
        if (nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20)
            text[size_t(at++)] = '-';
        const quint64 word = nibble < 16 ? high : low;
        text[size_t(at++)] = hex[(word >> (60 - 4 * (nibble % 16))) & 0xF];
    }
    out.append(text.data(), qsizetype(text.size()));
}

const QByteArray &EventTemplate::nowText(qint64 nowMs)
{
    if (m_nowCacheText.isEmpty() || m_nowCacheMs != nowMs) {
        m_nowCacheText = event::formatTimestamp(nowMs);
        m_nowCacheMs = nowMs;
    }
    return m_nowCacheText;
}

} // namespace dualscope::generate
