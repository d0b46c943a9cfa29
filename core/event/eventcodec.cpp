// SPDX-License-Identifier: MIT
#include "event/eventcodec.h"

#include "event/jsonposition.h"
#include "event/jsontypename.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace dualscope::event {

namespace {

using Document = rapidjson::Document;
using Value = rapidjson::Value;

// Trailing data after the root is an error too (RapidJSON's default).
constexpr unsigned kStrictParse = rapidjson::kParseValidateEncodingFlag;

bool fail(CodecError *error, const char *field, const QString &message)
{
    if (error)
        *error = CodecError{QString::fromLatin1(field), message, -1};
    return false;
}

bool hasControlCharacter(const char *text, qsizetype size)
{
    for (qsizetype i = 0; i < size; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

bool parseDocument(const QByteArray &json, Document *doc, CodecError *error)
{
    doc->Parse<kStrictParse>(json.constData(), static_cast<size_t>(json.size()));
    if (doc->HasParseError()) {
        const auto offset = static_cast<qsizetype>(doc->GetErrorOffset());
        const TextPosition pos = positionAt(json, offset);
        if (error) {
            *error = CodecError{
                QString(),
                QStringLiteral("not valid JSON at line %1, column %2: %3")
                    .arg(pos.line)
                    .arg(pos.column)
                    .arg(QString::fromLatin1(rapidjson::GetParseError_En(doc->GetParseError()))),
                offset};
        }
        return false;
    }
    if (!doc->IsObject())
        return fail(error, "",
                    QStringLiteral("expected a JSON object, got %1")
                        .arg(QString::fromLatin1(event::jsonTypeName(*doc))));
    return true;
}

// Reads a required identifier-like text field: a non-empty string without control
// characters (they would break channel names and log lines).
bool readText(const Value &object, const char *field, QByteArray *out, CodecError *error)
{
    const auto it = object.FindMember(field);
    if (it == object.MemberEnd())
        return fail(error, field,
                    QStringLiteral("field '%1' is missing").arg(QLatin1String(field)));
    const Value &value = it->value;
    if (!value.IsString())
        return fail(
            error, field,
            QStringLiteral("field '%1' must be a string, got %2")
                .arg(QLatin1String(field), QString::fromLatin1(event::jsonTypeName(value))));
    const qsizetype size = value.GetStringLength();
    if (size == 0)
        return fail(error, field, QStringLiteral("field '%1' is empty").arg(QLatin1String(field)));
    if (hasControlCharacter(value.GetString(), size))
        return fail(
            error, field,
            QStringLiteral("field '%1' contains a control character").arg(QLatin1String(field)));
    // RapidJSON 1.1 validates the input's UTF-8 but decodes an escaped lone low
    // surrogate ("\uDC00") into bytes no UTF-8 decoder accepts (found by fuzzing).
    if (!QByteArrayView(value.GetString(), size).isValidUtf8())
        return fail(error, field,
                    QStringLiteral("field '%1' holds a lone UTF-16 surrogate (\\uD800-\\uDFFF)")
                        .arg(QLatin1String(field)));
    *out = QByteArray(value.GetString(), size);
    return true;
}

// Where the value of the top-level member "payload" lies in the text, so that the
// event keeps its payload byte for byte: writing it back from a DOM would change
// numbers (RapidJSON 1.1 turns 9999999999999999999999999 into 9.999999999999999e24,
// and that into 1e25 on the next round: found by fuzzing; its full-precision mode
// has known wrong results in that version). A SAX pass over text the DOM parse has
// already accepted, so every value is valid here; only positions are taken.
class PayloadSpan final : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PayloadSpan>
{
public:
    explicit PayloadSpan(const rapidjson::StringStream &stream) : m_stream(stream) {}

    bool Key(const char *text, rapidjson::SizeType length, bool)
    {
        if (m_depth == 1 && m_begin < 0)
            m_atPayload = QByteArrayView(text, length) == "payload";
        return true;
    }
    bool StartObject() { return open(); }
    bool StartArray() { return open(); }
    bool EndObject(rapidjson::SizeType) { return close(); }
    bool EndArray(rapidjson::SizeType) { return close(); }
    bool Default() { return true; }

    qsizetype begin() const { return m_begin; }
    qsizetype end() const { return m_end; }

private:
    bool open()
    {
        if (m_depth == 1 && m_atPayload && m_begin < 0)
            m_begin = qsizetype(m_stream.Tell()) - 1; // the '{' was just taken
        ++m_depth;
        return true;
    }
    bool close()
    {
        --m_depth;
        if (m_depth == 1 && m_begin >= 0 && m_end < 0 && m_atPayload) {
            m_end = qsizetype(m_stream.Tell()); // just after the '}'
            m_atPayload = false;
        }
        return true;
    }

    const rapidjson::StringStream &m_stream;
    int m_depth = 0;
    bool m_atPayload = false;
    qsizetype m_begin = -1;
    qsizetype m_end = -1;
};

QByteArray payloadText(const QByteArray &json)
{
    const QByteArray terminated(json.constData(), json.size()); // RapidJSON reads to a NUL
    rapidjson::StringStream stream(terminated.constData());
    PayloadSpan span(stream);
    rapidjson::Reader reader;
    reader.Parse<kStrictParse>(stream, span);
    if (span.begin() < 0 || span.end() <= span.begin())
        return {};
    return json.mid(span.begin(), span.end() - span.begin());
}

// JSON string escaping for the short text fields of events and notifications.
// Written here rather than with RapidJSON's Writer, whose per-character state
// machine cost about 12 % of the publish path (perf); the text is valid UTF-8
// already (checkField), so only quotes, backslashes and control characters need
// attention.
void appendJsonString(QByteArray *out, const QByteArray &text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out->append('"');
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out->append(text.constData() + plainFrom, i - plainFrom);
        if (c == '"' || c == '\\') {
            out->append('\\');
            out->append(char(c));
        } else {
            const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            out->append(escape, sizeof escape);
        }
        plainFrom = i + 1;
    }
    out->append(text.constData() + plainFrom, text.size() - plainFrom);
    out->append('"');
}

bool checkField(const QByteArray &text, const char *field, CodecError *error)
{
    if (text.isEmpty())
        return fail(error, field, QStringLiteral("field '%1' is empty").arg(QLatin1String(field)));
    if (hasControlCharacter(text.constData(), text.size()))
        return fail(
            error, field,
            QStringLiteral("field '%1' contains a control character").arg(QLatin1String(field)));
    if (!QByteArrayView(text).isValidUtf8())
        return fail(error, field,
                    QStringLiteral("field '%1' is not valid UTF-8").arg(QLatin1String(field)));
    return true;
}

} // namespace

QString CodecError::toString() const
{
    return message;
}

std::optional<Event> decodeEvent(const QByteArray &json, CodecError *error)
{
    Document doc;
    if (!parseDocument(json, &doc, error))
        return std::nullopt;
    Event event;
    if (!readText(doc, "id", &event.id, error) || !readText(doc, "type", &event.type, error) ||
        !readText(doc, "source_type", &event.sourceType, error) ||
        !readText(doc, "source_id", &event.sourceId, error))
        return std::nullopt;
    QByteArray timestamp;
    if (!readText(doc, "timestamp", &timestamp, error))
        return std::nullopt;
    if (!parseTimestamp(timestamp, &event.timestampMs)) {
        fail(error, "timestamp",
             QStringLiteral("field 'timestamp' is not an ISO 8601 time: '%1'")
                 .arg(QString::fromUtf8(timestamp)));
        return std::nullopt;
    }
    const auto payload = doc.FindMember("payload");
    if (payload != doc.MemberEnd()) {
        if (!payload->value.IsObject()) {
            fail(error, "payload",
                 QStringLiteral("field 'payload' must be an object, got %1")
                     .arg(QString::fromLatin1(event::jsonTypeName(payload->value))));
            return std::nullopt;
        }
        event.payloadJson = payloadText(json);
    }
    return event;
}

bool validatePayload(const QByteArray &payloadJson, CodecError *error)
{
    if (payloadJson.isEmpty())
        return true;
    Document doc;
    if (!parseDocument(payloadJson, &doc, error)) {
        if (error && error->field.isEmpty()) {
            error->field = QStringLiteral("payload");
            error->message = QStringLiteral("payload: ") + error->message;
        }
        return false;
    }
    return true;
}

bool encodeEvent(const Event &event, QByteArray *out, CodecError *error, qsizetype maxBytes)
{
    if (!checkField(event.id, "id", error) || !checkField(event.type, "type", error) ||
        !checkField(event.sourceType, "source_type", error) ||
        !checkField(event.sourceId, "source_id", error))
        return false;

    const qsizetype start = out->size();
    out->append("{\"id\":");
    appendJsonString(out, event.id);
    out->append(",\"type\":");
    appendJsonString(out, event.type);
    out->append(",\"source_type\":");
    appendJsonString(out, event.sourceType);
    out->append(",\"source_id\":");
    appendJsonString(out, event.sourceId);
    out->append(",\"timestamp\":\"");
    out->append(formatTimestamp(event.timestampMs));
    out->append("\",\"payload\":");
    out->append(event.payloadJson.isEmpty() ? QByteArrayView("{}")
                                            : QByteArrayView(event.payloadJson));
    out->append('}');

    const qsizetype size = out->size() - start;
    if (size > maxBytes) {
        out->truncate(start);
        fail(error, "payload",
             QStringLiteral("event %1 is %2 bytes, over the Kafka message size limit of %3 "
                            "bytes (message.max.bytes)")
                 .arg(QString::fromUtf8(event.id))
                 .arg(size)
                 .arg(maxBytes));
        if (error)
            error->tooLarge = true;
        return false;
    }
    return true;
}

std::optional<Notification> decodeNotification(const QByteArray &json, CodecError *error)
{
    Document doc;
    if (!parseDocument(json, &doc, error))
        return std::nullopt;
    Notification notification;
    if (!readText(doc, "id", &notification.id, error))
        return std::nullopt;
    // type and source_id are informative: absent is tolerated, a wrong type is not.
    for (const auto &[field, target] :
         {std::pair{"type", &notification.type}, std::pair{"source_id", &notification.sourceId}}) {
        const auto it = doc.FindMember(field);
        if (it == doc.MemberEnd())
            continue;
        if (!it->value.IsString()) {
            fail(error, field,
                 QStringLiteral("field '%1' must be a string, got %2")
                     .arg(QLatin1String(field),
                          QString::fromLatin1(event::jsonTypeName(it->value))));
            return std::nullopt;
        }
        *target = QByteArray(it->value.GetString(), it->value.GetStringLength());
    }
    return notification;
}

void appendNotification(QByteArray *out, const Notification &notification)
{
    out->append("{\"id\":");
    appendJsonString(out, notification.id);
    out->append(",\"type\":");
    appendJsonString(out, notification.type);
    out->append(",\"source_id\":");
    appendJsonString(out, notification.sourceId);
    out->append('}');
}

QByteArray encodeNotification(const Notification &notification)
{
    QByteArray out;
    appendNotification(&out, notification);
    return out;
}

} // namespace dualscope::event
