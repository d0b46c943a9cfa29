// SPDX-License-Identifier: MIT
#include "eventtemplate.h"

#include "event/jsonposition.h"

#include <QRandomGenerator>
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>
#include <string_view>

namespace dualscope::generate {

namespace {

// One step of an expansion: append a literal or the value of one placeholder.
enum class Slot : quint8 { Literal, Seq, Uuid, Now, NowMs, Int, Choice, Source };

struct Op
{
    Slot kind = Slot::Literal;
    // Source in the payload: JSON-escape the source id (it may come from a literal
    // or a choice holding a quote). Literals and choices are escaped at compile time.
    bool escape = false;
    QByteArray text;                 // Literal
    qint64 low = 0;                  // Seq: start; Int: low bound
    qint64 high = 0;                 // Int: high bound
    std::vector<QByteArray> choices; // Choice: the values, escaped for the context
};

} // namespace

struct EventTemplate::Program
{
    std::vector<Op> ops;
    // Only literals: the value is this shared QByteArray, assigned without a copy.
    bool constant = true;
    QByteArray constantValue;
    // Bytes the literals take, plus a guess for the slots: one reserve() per event.
    qsizetype sizeHint = 0;
};

struct EventTemplate::Compiled
{
    Program id;
    Program type;
    Program sourceType;
    Program sourceId;
    Program payload;
    bool fixedTimestamp = false;
    qint64 timestampMs = 0;
};

namespace {

using Program = EventTemplate::Program;

// Above this many sources the spread names are formatted per event instead of
// being kept in a table (4096 short QByteArrays are ~200 kB).
constexpr int kMaxPrecomputedSpread = 4096;
// Room reserved per placeholder slot: a UUID (36) or ISO timestamp (24) fits.
constexpr qsizetype kSlotSizeGuess = 36;

void appendJsonEscaped(QByteArray &out, const char *data, qsizetype size)
{
    static constexpr char hex[] = "0123456789abcdef";
    qsizetype runStart = 0;
    for (qsizetype i = 0; i < size; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(data + runStart, i - runStart);
        runStart = i + 1;
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        default: {
            const char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(escaped, 6);
        }
        }
    }
    out.append(data + runStart, size - runStart);
}

QByteArray jsonEscaped(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    appendJsonEscaped(out, text.constData(), text.size());
    return out;
}

void appendNumber(QByteArray &out, qint64 value)
{
    std::array<char, 24> digits;
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), result.ptr - digits.data());
}

bool parseInt64(std::string_view text, qint64 *value)
{
    if (text.empty())
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), *value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// Decodes the 4 hex digits at p (caller checked they are there).
unsigned hex4(const char *p)
{
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        value <<= 4;
        if (c >= '0' && c <= '9')
            value |= unsigned(c - '0');
        else if (c >= 'a' && c <= 'f')
            value |= unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            value |= unsigned(c - 'A' + 10);
    }
    return value;
}

// RapidJSON hands us the decoded string; an error inside it (a placeholder) must
// point into the raw text. Walks the raw token from its opening quote, undoing the
// escapes, until decodedIndex bytes of decoded text are behind. Error path only.
qsizetype rawOffsetInString(const QByteArray &text, qsizetype quoteOffset, qsizetype decodedIndex)
{
    qsizetype raw = quoteOffset + 1;
    qsizetype decoded = 0;
    const qsizetype size = text.size();
    while (decoded < decodedIndex && raw < size) {
        if (text[raw] != '\\') {
            ++raw;
            ++decoded;
            continue;
        }
        if (raw + 1 < size && text[raw + 1] == 'u' && raw + 6 <= size) {
            const unsigned unit = hex4(text.constData() + raw + 2);
            if (unit >= 0xD800 && unit <= 0xDBFF && raw + 12 <= size && text[raw + 6] == '\\' &&
                text[raw + 7] == 'u') {
                raw += 12; // surrogate pair: one 4-byte code point
                decoded += 4;
            } else {
                raw += 6;
                decoded += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
            }
        } else {
            raw += 2;
            ++decoded;
        }
    }
    return raw;
}

// One piece of a template string: literal text or a placeholder.
struct Part
{
    Op op;
    qsizetype decodedOffset = 0; // where the piece starts in the decoded string
};

bool isNumeric(Slot kind)
{
    return kind == Slot::Seq || kind == Slot::NowMs || kind == Slot::Int;
}

// A plain in-memory stream. RapidJSON copies its own StringStream into a local
// while it reads a token (StreamTraits::copyOptimization) and writes the position
// back only afterwards, so a handler reading Tell() would see the previous token's
// position. This one has no copy optimization: Tell() is exact inside handlers.
class TrackedStream
{
public:
    using Ch = char;

    TrackedStream(const char *text, qsizetype size)
        : m_head(text), m_current(text), m_end(text + size)
    {
    }

    // Past the end reads as NUL, and stays there: RapidJSON's UTF-8 validator
    // takes the trail bytes of a sequence without looking, so a text ending in
    // "\xf0" would otherwise be read beyond its end.
    Ch Peek() const { return m_current < m_end ? *m_current : '\0'; }
    Ch Take() { return m_current < m_end ? *m_current++ : '\0'; }
    size_t Tell() const { return size_t(m_current - m_head); }

    // Output side, required by the concept but never used by a Reader.
    Ch *PutBegin() { return nullptr; }
    void Put(Ch) {}
    void Flush() {}
    size_t PutEnd(Ch *) { return 0; }

private:
    const char *m_head;
    const char *m_current;
    const char *m_end;
};

// The SAX handler that compiles while RapidJSON parses. It tracks where each token
// starts (RapidJSON reports no positions to handlers): after each event it
// remembers where the previous token ended; the next one starts after the
// whitespace, ',' and ':' that follow.
class Compiler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Compiler>
{
public:
    Compiler(const QByteArray &text, const TrackedStream &stream) : m_text(text), m_stream(stream)
    {
        m_compiled.id.ops.push_back(placeholderOp(Slot::Uuid));
        m_compiled.type.ops.push_back(literalOp(QByteArrayLiteral("test.event")));
        m_compiled.sourceType.ops.push_back(literalOp(QByteArrayLiteral("test")));
        m_compiled.sourceId.ops.push_back(literalOp(QByteArrayLiteral("source")));
    }

    bool failed() const { return m_failed; }
    const TemplateError &error() const { return m_error; }

    EventTemplate::Compiled finish()
    {
        if (!m_payloadSeen)
            m_payload.pending = QByteArrayLiteral("{}");
        flushLiteral();
        m_compiled.payload.ops = std::move(m_payload.ops);
        finishProgram(m_compiled.id);
        finishProgram(m_compiled.type);
        finishProgram(m_compiled.sourceType);
        finishProgram(m_compiled.sourceId);
        finishProgram(m_compiled.payload);
        return std::move(m_compiled);
    }

    // RapidJSON SAX interface (numbers arrive as RawNumber: kParseNumbersAsStringsFlag).
    bool Null() { return scalar(QByteArrayLiteral("null")); }
    bool Bool(bool value)
    {
        return scalar(value ? QByteArrayLiteral("true") : QByteArrayLiteral("false"));
    }
    bool RawNumber(const char *text, rapidjson::SizeType length, bool)
    {
        return scalar(QByteArray(text, length));
    }

    bool String(const char *text, rapidjson::SizeType length, bool)
    {
        const qsizetype start = tokenStart();
        m_lastEnd = qsizetype(m_stream.Tell());
        if (m_depth == 0)
            return fail(start, QStringLiteral("the template must be a JSON object"));
        if (m_depth == 1)
            return topLevelString(start, text, length);
        separateValue();
        return payloadString(start, text, length);
    }

    bool Key(const char *text, rapidjson::SizeType length, bool)
    {
        const qsizetype start = tokenStart();
        m_lastEnd = qsizetype(m_stream.Tell());
        if (m_depth == 1)
            return topLevelKey(start, std::string_view(text, length));
        const std::string_view key(text, length);
        if (const auto brace = key.find("{{"); brace != std::string_view::npos)
            return fail(rawOffsetInString(m_text, start, qsizetype(brace)),
                        QStringLiteral("placeholders are not allowed in object keys"));
        if (!m_containers.back().first)
            m_payload.pending.append(',');
        m_containers.back().first = false;
        m_payload.pending.append('"');
        appendJsonEscaped(m_payload.pending, text, length);
        m_payload.pending.append("\":", 2);
        return true;
    }

    bool StartObject()
    {
        const qsizetype start = tokenStart();
        m_lastEnd = start + 1;
        if (m_depth == 0) {
            m_depth = 1;
            return true;
        }
        if (m_depth == 1) {
            if (m_field != Field::Payload)
                return wrongType(start);
            m_payloadSeen = true;
        } else {
            separateValue();
        }
        m_payload.pending.append('{');
        m_containers.push_back({});
        ++m_depth;
        return true;
    }

    bool EndObject(rapidjson::SizeType)
    {
        m_lastEnd = tokenStart() + 1;
        if (--m_depth == 0)
            return true;
        m_payload.pending.append('}');
        m_containers.pop_back();
        return true;
    }

    bool StartArray()
    {
        const qsizetype start = tokenStart();
        m_lastEnd = start + 1;
        if (m_depth == 0)
            return fail(start, QStringLiteral("the template must be a JSON object"));
        if (m_depth == 1)
            return wrongType(start);
        separateValue();
        m_payload.pending.append('[');
        m_containers.push_back({.array = true, .first = true});
        ++m_depth;
        return true;
    }

    bool EndArray(rapidjson::SizeType)
    {
        m_lastEnd = tokenStart() + 1;
        --m_depth;
        m_payload.pending.append(']');
        m_containers.pop_back();
        return true;
    }

private:
    enum class Field { Id, Type, SourceType, SourceId, Timestamp, Payload, Count };

    struct Container
    {
        bool array = false;
        bool first = true;
    };

    struct ProgramBuilder
    {
        QByteArray pending;
        std::vector<Op> ops;
    };

    static Op literalOp(QByteArray text)
    {
        Op op;
        op.text = std::move(text);
        return op;
    }

    static Op placeholderOp(Slot kind)
    {
        Op op;
        op.kind = kind;
        return op;
    }

    static QLatin1String fieldName(Field field)
    {
        static constexpr std::array<const char *, int(Field::Count)> names = {
            "id", "type", "source_type", "source_id", "timestamp", "payload"};
        return QLatin1String(names[size_t(field)]);
    }

    static void finishProgram(Program &program)
    {
        program.constant = true;
        program.sizeHint = 0;
        for (const Op &op : program.ops) {
            if (op.kind != Slot::Literal)
                program.constant = false;
            program.sizeHint += op.kind == Slot::Literal ? op.text.size() : kSlotSizeGuess;
        }
        if (program.constant) {
            for (const Op &op : program.ops)
                program.constantValue.append(op.text);
        }
    }

    qsizetype tokenStart() const
    {
        qsizetype i = m_lastEnd;
        while (i < m_text.size()) {
            const char c = m_text[i];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ':')
                break;
            ++i;
        }
        return i;
    }

    bool fail(qsizetype offset, QString message)
    {
        const event::TextPosition position = event::positionAt(m_text, offset);
        m_error.line = position.line;
        m_error.column = position.column;
        m_error.message = std::move(message);
        m_failed = true;
        return false;
    }

    bool wrongType(qsizetype start)
    {
        if (m_field == Field::Payload)
            return fail(start, QStringLiteral("field 'payload' must be an object"));
        return fail(start, QStringLiteral("field '%1' must be a string").arg(fieldName(m_field)));
    }

    bool scalar(const QByteArray &literal)
    {
        const qsizetype start = tokenStart();
        m_lastEnd = qsizetype(m_stream.Tell());
        if (m_depth == 0)
            return fail(start, QStringLiteral("the template must be a JSON object"));
        if (m_depth == 1)
            return wrongType(start);
        separateValue();
        m_payload.pending.append(literal);
        return true;
    }

    // In an array each value but the first is preceded by ','; in an object the
    // key wrote it.
    void separateValue()
    {
        if (m_containers.empty() || !m_containers.back().array)
            return;
        if (!m_containers.back().first)
            m_payload.pending.append(',');
        m_containers.back().first = false;
    }

    void flushLiteral()
    {
        if (m_payload.pending.isEmpty())
            return;
        m_payload.ops.push_back(literalOp(std::move(m_payload.pending)));
        m_payload.pending = QByteArray();
    }

    bool topLevelKey(qsizetype start, std::string_view key)
    {
        for (int i = 0; i < int(Field::Count); ++i) {
            if (key == std::string_view(fieldName(Field(i)).data())) {
                m_field = Field(i);
                if (m_seen[size_t(i)])
                    return fail(start,
                                QStringLiteral("duplicate field '%1'").arg(fieldName(m_field)));
                m_seen[size_t(i)] = true;
                return true;
            }
        }
        return fail(start, QStringLiteral("unknown field '%1'")
                               .arg(QString::fromUtf8(key.data(), qsizetype(key.size()))));
    }

    // Splits a decoded string into literal text and placeholders; on a bad
    // placeholder, fails at its "{{" in the raw text.
    bool splitPlaceholders(qsizetype start, std::string_view text, std::vector<Part> *parts)
    {
        size_t position = 0;
        while (position < text.size()) {
            const size_t open = text.find("{{", position);
            if (open != position) {
                const size_t end = open == std::string_view::npos ? text.size() : open;
                Part literal;
                literal.op.text = QByteArray(text.data() + position, qsizetype(end - position));
                literal.decodedOffset = qsizetype(position);
                parts->push_back(std::move(literal));
                if (open == std::string_view::npos)
                    break;
            }
            const qsizetype errorAt = rawOffsetInString(m_text, start, qsizetype(open));
            const size_t close = text.find("}}", open + 2);
            if (close == std::string_view::npos)
                return fail(errorAt, QStringLiteral("unterminated placeholder '%1'")
                                         .arg(QString::fromUtf8(text.data() + open,
                                                                qsizetype(text.size() - open))));
            const std::string_view inner = text.substr(open + 2, close - open - 2);
            const QString whole =
                QString::fromUtf8(text.data() + open, qsizetype(close + 2 - open));
            Part part;
            part.decodedOffset = qsizetype(open);
            if (!parsePlaceholder(inner, &part.op, &m_placeholderProblem)) {
                if (m_placeholderProblem.isEmpty())
                    return fail(errorAt, QStringLiteral("unknown placeholder '%1'").arg(whole));
                return fail(errorAt, whole + QStringLiteral(": ") + m_placeholderProblem);
            }
            parts->push_back(std::move(part));
            position = close + 2;
        }
        return true;
    }

    // false with an empty *problem: not a placeholder name we know.
    static bool parsePlaceholder(std::string_view inner, Op *op, QString *problem)
    {
        problem->clear();
        if (inner == "seq" || inner.starts_with("seq:")) {
            op->kind = Slot::Seq;
            if (inner.size() > 3 && !parseInt64(inner.substr(4), &op->low)) {
                *problem = QStringLiteral("the start must be a 64-bit integer");
                return false;
            }
            return true;
        }
        if (inner == "uuid" || inner == "now" || inner == "now_ms" || inner == "source") {
            op->kind = inner == "uuid"     ? Slot::Uuid
                       : inner == "now"    ? Slot::Now
                       : inner == "now_ms" ? Slot::NowMs
                                           : Slot::Source;
            return true;
        }
        if (inner.starts_with("int:")) {
            op->kind = Slot::Int;
            const std::string_view range = inner.substr(4);
            const size_t colon = range.find(':');
            if (colon == std::string_view::npos) {
                *problem = QStringLiteral("expected {{int:LOW:HIGH}}");
                return false;
            }
            if (!parseInt64(range.substr(0, colon), &op->low) ||
                !parseInt64(range.substr(colon + 1), &op->high)) {
                *problem = QStringLiteral("low and high must be 64-bit integers");
                return false;
            }
            if (op->low > op->high) {
                *problem = QStringLiteral("low is greater than high");
                return false;
            }
            return true;
        }
        if (inner.starts_with("choice:")) {
            op->kind = Slot::Choice;
            std::string_view list = inner.substr(7);
            while (true) {
                const size_t bar = list.find('|');
                const std::string_view value = list.substr(0, bar);
                if (value.empty()) {
                    *problem = QStringLiteral("empty choice");
                    return false;
                }
                op->choices.emplace_back(value.data(), qsizetype(value.size()));
                if (bar == std::string_view::npos)
                    break;
                list = list.substr(bar + 1);
            }
            return true;
        }
        return false;
    }

    bool topLevelString(qsizetype start, const char *data, rapidjson::SizeType length)
    {
        const std::string_view text(data, length);
        if (m_field == Field::Payload)
            return wrongType(start);
        std::vector<Part> parts;
        if (!splitPlaceholders(start, text, &parts))
            return false;
        if (m_field == Field::Timestamp)
            return timestamp(start, text, parts);
        if (text.empty())
            return fail(start,
                        QStringLiteral("field '%1' must not be empty").arg(fieldName(m_field)));
        Program &program = m_field == Field::Id           ? m_compiled.id
                           : m_field == Field::Type       ? m_compiled.type
                           : m_field == Field::SourceType ? m_compiled.sourceType
                                                          : m_compiled.sourceId;
        program.ops.clear();
        for (Part &part : parts) {
            if (part.op.kind == Slot::Source && m_field == Field::SourceId)
                return fail(rawOffsetInString(m_text, start, part.decodedOffset),
                            QStringLiteral("'{{source}}' cannot be used in source_id"));
            program.ops.push_back(std::move(part.op));
        }
        return true;
    }

    bool timestamp(qsizetype start, std::string_view text, const std::vector<Part> &parts)
    {
        if (parts.size() == 1 &&
            (parts.front().op.kind == Slot::Now || parts.front().op.kind == Slot::NowMs)) {
            m_compiled.fixedTimestamp = false;
            return true;
        }
        qint64 ms = 0;
        if (parts.size() == 1 && parts.front().op.kind == Slot::Literal &&
            event::parseTimestamp(QByteArray(text.data(), qsizetype(text.size())), &ms)) {
            m_compiled.fixedTimestamp = true;
            m_compiled.timestampMs = ms;
            return true;
        }
        return fail(start, QStringLiteral("field 'timestamp' must be \"{{now}}\", \"{{now_ms}}\" "
                                          "or an ISO 8601 timestamp"));
    }

    bool payloadString(qsizetype start, const char *data, rapidjson::SizeType length)
    {
        std::vector<Part> parts;
        if (!splitPlaceholders(start, std::string_view(data, length), &parts))
            return false;
        // A lone numeric placeholder is a JSON number: "{{seq}}" → 42.
        if (parts.size() == 1 && isNumeric(parts.front().op.kind)) {
            flushLiteral();
            m_payload.ops.push_back(std::move(parts.front().op));
            return true;
        }
        m_payload.pending.append('"');
        for (Part &part : parts) {
            if (part.op.kind == Slot::Literal) {
                appendJsonEscaped(m_payload.pending, part.op.text.constData(), part.op.text.size());
                continue;
            }
            if (part.op.kind == Slot::Choice) {
                for (QByteArray &value : part.op.choices)
                    value = jsonEscaped(value);
            }
            part.op.escape = part.op.kind == Slot::Source;
            flushLiteral();
            m_payload.ops.push_back(std::move(part.op));
        }
        m_payload.pending.append('"');
        return true;
    }

    const QByteArray &m_text;
    const TrackedStream &m_stream;
    qsizetype m_lastEnd = 0;
    // 0 outside the root, 1 in the root object, 2 in the payload object, ...
    int m_depth = 0;
    Field m_field = Field::Id;
    std::array<bool, size_t(Field::Count)> m_seen{};
    bool m_payloadSeen = false;
    std::vector<Container> m_containers;
    ProgramBuilder m_payload;
    EventTemplate::Compiled m_compiled;
    QString m_placeholderProblem;
    bool m_failed = false;
    TemplateError m_error;
};

QString describeParseError(rapidjson::ParseErrorCode code)
{
    if (code == rapidjson::kParseErrorStringInvalidEncoding)
        return QStringLiteral("invalid JSON: invalid UTF-8 in string");
    // RapidJSON's English texts read "Missing a comma or '}' after an object member.";
    // ours are lower-case without the full stop, like the rest of our messages.
    QString text = QString::fromLatin1(rapidjson::GetParseError_En(code));
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    if (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    return QStringLiteral("invalid JSON: ") + text;
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
    TemplateError ignored;
    if (!error)
        error = &ignored;
    *error = TemplateError();

    // The stream stops at a NUL byte and would silently ignore the
    // rest; no valid template contains one.
    if (const qsizetype nul = text.indexOf('\0'); nul >= 0) {
        const event::TextPosition position = event::positionAt(text, nul);
        *error = {position.line, position.column, QStringLiteral("invalid JSON: NUL byte")};
        return std::nullopt;
    }

    // Iterative: a deeply nested payload cannot overflow the stack. Validate: bad
    // UTF-8 is an error, not a Kafka value nobody can decode.
    constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseNumbersAsStringsFlag |
                               rapidjson::kParseIterativeFlag;
    TrackedStream stream(text.constData(), text.size());
    Compiler compiler(text, stream);
    rapidjson::Reader reader;
    const rapidjson::ParseResult result = reader.Parse<flags>(stream, compiler);
    if (compiler.failed()) {
        *error = compiler.error();
        return std::nullopt;
    }
    if (result.IsError()) {
        const event::TextPosition position = event::positionAt(text, qsizetype(result.Offset()));
        *error = {position.line, position.column, describeParseError(result.Code())};
        return std::nullopt;
    }

    EventTemplate compiled;
    compiled.m_compiled = std::make_shared<const Compiled>(compiler.finish());
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
