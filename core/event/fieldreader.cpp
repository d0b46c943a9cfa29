// SPDX-License-Identifier: MIT
#include "event/fieldreader.h"

#include "event/jsontypename.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/pointer.h>
#include <rapidjson/reader.h>
#include <vector>

namespace dualscope::event {

namespace {

std::optional<rapidjson::Pointer> compile(const QByteArray &text)
{
    if (text.isEmpty())
        return std::nullopt; // the system does not carry the field
    rapidjson::Pointer pointer(text.constData(), size_t(text.size()));
    if (!pointer.IsValid())
        return std::nullopt;
    return pointer;
}

QByteArray textAt(const rapidjson::Value &root, const std::optional<rapidjson::Pointer> &field)
{
    const rapidjson::Value *value = field ? field->Get(root) : nullptr;
    if (!value)
        return {};
    if (value->IsString())
        return QByteArray(value->GetString(), qsizetype(value->GetStringLength()));
    if (value->IsInt64())
        return QByteArray::number(value->GetInt64());
    if (value->IsUint64())
        return QByteArray::number(value->GetUint64());
    return {};
}

bool fail(QString *why, const QString &text)
{
    if (why)
        *why = text;
    return false;
}

} // namespace

struct FieldReader::Compiled
{
    std::optional<rapidjson::Pointer> id;
    std::optional<rapidjson::Pointer> type;
    std::optional<rapidjson::Pointer> sourceType;
    std::optional<rapidjson::Pointer> sourceId;
};

FieldReader::FieldReader(const FieldPointers &pointers)
    : m_idPointer(pointers.id), m_compiled(std::make_shared<const Compiled>(Compiled{
                                    compile(pointers.id), compile(pointers.type),
                                    compile(pointers.sourceType), compile(pointers.sourceId)}))
{
}

bool FieldReader::read(const QByteArray &json, EventFields *fields, QString *why) const
{
    // Made only for an error: read() runs once per live message.
    const auto idPointer = [this] { return QString::fromUtf8(m_idPointer); };
    if (!m_compiled->id)
        return fail(why,
                    QStringLiteral("the id pointer '%1' is not a JSON pointer").arg(idPointer()));
    // A notification is small: its values and the parser's stack fit buffers on this
    // stack, and a larger document takes more from the heap as it needs.
    char valueBuffer[4096];
    char stackBuffer[1024];
    rapidjson::MemoryPoolAllocator<> valueAllocator(valueBuffer, sizeof valueBuffer);
    rapidjson::MemoryPoolAllocator<> stackAllocator(stackBuffer, sizeof stackBuffer);
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                               rapidjson::MemoryPoolAllocator<>>
        document(&valueAllocator, sizeof stackBuffer, &stackAllocator);
    document.Parse<rapidjson::kParseValidateEncodingFlag>(json.constData(), size_t(json.size()));
    if (document.HasParseError())
        return fail(why,
                    QStringLiteral("not valid JSON at byte %1: %2")
                        .arg(document.GetErrorOffset())
                        .arg(QLatin1String(rapidjson::GetParseError_En(document.GetParseError()))));
    if (!document.IsObject())
        return fail(
            why,
            QStringLiteral("not a JSON object but %1").arg(QLatin1String(jsonTypeName(document))));
    const rapidjson::Value *id = m_compiled->id->Get(document);
    if (!id)
        return fail(why, QStringLiteral("no id at %1").arg(idPointer()));
    if (!id->IsString())
        return fail(why, QStringLiteral("the id at %1 is %2, not a string")
                             .arg(idPointer(), QLatin1String(jsonTypeName(*id))));
    if (id->GetStringLength() == 0)
        return fail(why, QStringLiteral("the id at %1 is an empty string").arg(idPointer()));
    fields->id = QByteArray(id->GetString(), qsizetype(id->GetStringLength()));
    fields->type = textAt(document, m_compiled->type);
    fields->sourceType = textAt(document, m_compiled->sourceType);
    fields->sourceId = textAt(document, m_compiled->sourceId);
    return true;
}

QByteArray FieldReader::idOf(const QByteArray &json) const
{
    EventFields fields;
    return read(json, &fields) ? fields.id : QByteArray();
}

namespace {

// The stream read() parses from (Document::Parse(text, length)): it skips a byte
// order mark, or any of its bytes alone at the start, as RapidJSON does.
using Stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

// One field's pointer followed through a SAX pass: how many leading levels of the
// current path equal its tokens, and what was found at its end.
struct PointerTrack
{
    const rapidjson::Pointer *pointer = nullptr;
    size_t matched = 0;    // path levels equal to the pointer's first tokens
    bool atTarget = false; // the next value is the pointed-to one
    bool descend = false;  // the next value, a container, continues the pointer
    enum Found { Nothing, String, Integer, Other } found = Nothing;
    qsizetype rawEnd = 0; // a string's closing quote
    QByteArray text;      // a string's or integer's text, when not verbatim
    qsizetype length = 0;
};

// rapidjson's SAX reader with the field pointers followed, for locate(): a whole
// validating parse without building a document (the DOM read() costs a live view's
// monitor thread a tenth of its rate). Written here because rapidjson's Pointer
// resolves only against a DOM.
class SpanHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SpanHandler>
{
public:
    SpanHandler(const Stream &stream, PointerTrack *id, PointerTrack *type)
        : m_stream(stream), m_tracks{id, type}
    {
    }

    bool Null() { return scalar(PointerTrack::Other, nullptr, 0); }
    bool Bool(bool) { return scalar(PointerTrack::Other, nullptr, 0); }
    bool Int(int v) { return integer(qint64(v)); }
    bool Uint(unsigned v) { return integer(qint64(v)); }
    bool Int64(int64_t v) { return integer(qint64(v)); }
    bool Uint64(uint64_t v)
    {
        const QByteArray text = QByteArray::number(quint64(v));
        return scalar(PointerTrack::Integer, text.constData(), text.size());
    }
    bool Double(double) { return scalar(PointerTrack::Other, nullptr, 0); }
    bool RawNumber(const char *, rapidjson::SizeType, bool) { return Double(0); }
    bool String(const char *text, rapidjson::SizeType length, bool)
    {
        return scalar(PointerTrack::String, text, qsizetype(length));
    }
    bool Key(const char *name, rapidjson::SizeType length, bool)
    {
        for (PointerTrack *track : m_tracks)
            follow(track, [&](const rapidjson::Pointer::Token &token) {
                return token.length == length && std::memcmp(token.name, name, length) == 0;
            });
        return true;
    }
    bool StartObject() { return enter(false); }
    bool EndObject(rapidjson::SizeType) { return leave(); }
    bool StartArray() { return enter(true); }
    bool EndArray(rapidjson::SizeType) { return leave(); }

    bool rootIsObject() const { return m_rootIsObject; }

private:
    struct Level
    {
        bool isArray = false;
        rapidjson::SizeType index = 0; // of the next element, in an array
    };

    // The element about to come at this level has this token (a key, or the next
    // array index): the tracks whose path so far matches take it.
    template <typename Matches> void follow(PointerTrack *track, Matches matches)
    {
        const size_t depth = m_levels.size();
        track->atTarget = track->descend = false;
        if (!track->pointer || track->matched != depth - 1 ||
            depth > track->pointer->GetTokenCount())
            return;
        if (!matches(track->pointer->GetTokens()[depth - 1]))
            return;
        if (depth == track->pointer->GetTokenCount())
            track->atTarget = true;
        else
            track->descend = true;
    }

    void beforeValue()
    {
        if (m_levels.empty() || !m_levels.back().isArray)
            return;
        const rapidjson::SizeType index = m_levels.back().index++;
        for (PointerTrack *track : m_tracks)
            follow(track, [index](const rapidjson::Pointer::Token &token) {
                return token.index == index;
            });
    }

    bool integer(qint64 value)
    {
        const QByteArray text = QByteArray::number(value);
        return scalar(PointerTrack::Integer, text.constData(), text.size());
    }

    bool scalar(PointerTrack::Found kind, const char *text, qsizetype length)
    {
        beforeValue();
        for (PointerTrack *track : m_tracks) {
            if (!track->atTarget)
                continue;
            track->atTarget = false;
            if (track->found != PointerTrack::Nothing)
                continue; // a repeated member: the first counts, as in read()
            track->found = kind;
            track->length = length;
            track->rawEnd = qsizetype(m_stream.Tell()) - 1;
            if (kind == PointerTrack::String || kind == PointerTrack::Integer)
                track->text = QByteArray(text, length);
        }
        for (PointerTrack *track : m_tracks)
            track->descend = false;
        return true;
    }

    bool enter(bool isArray)
    {
        if (m_levels.empty())
            m_rootIsObject = !isArray;
        else
            beforeValue();
        for (PointerTrack *track : m_tracks) {
            if (track->atTarget) {
                track->atTarget = false;
                if (track->found == PointerTrack::Nothing)
                    track->found = PointerTrack::Other; // an object or array is no text
            }
            if (track->descend)
                track->matched = m_levels.size();
            track->descend = false;
        }
        m_levels.push_back({isArray, 0});
        // The root has no key: every pointer's path starts matched at it.
        if (m_levels.size() == 1) {
            for (PointerTrack *track : m_tracks) {
                if (track->pointer)
                    track->matched = 0;
            }
        }
        return true;
    }

    bool leave()
    {
        m_levels.pop_back();
        for (PointerTrack *track : m_tracks) {
            track->matched = std::min(track->matched, m_levels.empty() ? 0 : m_levels.size() - 1);
            track->atTarget = track->descend = false;
        }
        return true;
    }

    const Stream &m_stream;
    PointerTrack *m_tracks[2];
    std::vector<Level> m_levels;
    bool m_rootIsObject = false;
};

// A found string's bytes as they stand in the document (no escapes): its span.
// Sound because an escape makes the raw text longer than the decoded one, so a
// quote right before a backslash-free run of the decoded length is the opening one.
bool spanOf(const QByteArray &json, const PointerTrack &track, quint16 *pos, quint16 *len)
{
    constexpr qsizetype maxOffset = std::numeric_limits<quint16>::max();
    if (track.found != PointerTrack::String)
        return false;
    const qsizetype start = track.rawEnd - track.length;
    if (start < 1 || track.rawEnd > maxOffset || json.at(start - 1) != '"')
        return false;
    const QByteArrayView raw(json.constData() + start, track.length);
    if (raw.contains('\\') || raw != QByteArrayView(track.text))
        return false;
    *pos = quint16(start);
    *len = quint16(track.length);
    return true;
}

} // namespace

QByteArray FieldSpans::id(const QByteArray &document) const
{
    if (!decoded.isNull())
        return decoded.left(decoded.indexOf('\0'));
    return document.mid(idPos, idLen);
}

QByteArray FieldSpans::type(const QByteArray &document) const
{
    if (!decoded.isNull())
        return decoded.mid(decoded.indexOf('\0') + 1);
    return document.mid(typePos, typeLen);
}

bool FieldReader::locate(const QByteArray &json, FieldSpans *spans) const
{
    *spans = FieldSpans();
    if (!m_compiled->id)
        return false;
    PointerTrack id;
    id.pointer = &*m_compiled->id;
    PointerTrack type;
    type.pointer = m_compiled->type ? &*m_compiled->type : nullptr;
    rapidjson::MemoryStream memory(json.constData(), size_t(json.size()));
    Stream stream(memory);
    SpanHandler handler(stream, &id, &type);
    rapidjson::Reader reader;
    // The same strictness as read(): valid UTF-8 JSON, an object, a non-empty
    // string id; a type that is neither a string nor an integer reads as none.
    if (!reader.Parse<rapidjson::kParseValidateEncodingFlag>(stream, handler) ||
        !handler.rootIsObject() || id.found != PointerTrack::String || id.length == 0)
        return false;
    const bool typeIsText =
        type.found == PointerTrack::String || type.found == PointerTrack::Integer;
    if (spanOf(json, id, &spans->idPos, &spans->idLen) &&
        (!typeIsText || type.length == 0 || spanOf(json, type, &spans->typePos, &spans->typeLen)))
        return true;
    *spans = FieldSpans();
    spans->decoded = id.text + '\0' + (typeIsText ? type.text : QByteArray());
    return true;
}

} // namespace dualscope::event
