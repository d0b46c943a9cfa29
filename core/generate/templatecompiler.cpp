// SPDX-License-Identifier: MIT
#include "generate/templatecompiler.h"

#include "event/jsonposition.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>
#include <string_view>

namespace dualscope::generate {

namespace {

using Program = EventTemplate::Program;

// Room reserved per placeholder slot: a UUID (36) or ISO timestamp (24) fits.
constexpr qsizetype kSlotSizeGuess = 36;

QByteArray jsonEscaped(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    appendJsonEscaped(out, text.constData(), text.size());
    return out;
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

std::optional<EventTemplate::Compiled> compileTemplate(const QByteArray &text, TemplateError *error)
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

    return compiler.finish();
}

} // namespace dualscope::generate
