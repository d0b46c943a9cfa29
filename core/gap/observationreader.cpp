// SPDX-License-Identifier: MIT
#include "gap/observationreader.h"

#include "event/event.h"
#include "event/jsontypename.h"

#include <algorithm>
#include <cstring>
#include <rapidjson/error/en.h>

namespace dualscope::gap {

namespace {

// Large enough for the DOM of a few-KB record; bigger ones spill into malloc'd
// chunks that the next Clear() releases.
constexpr size_t kValuePoolBytes = 64 * 1024;
constexpr size_t kStackPoolBytes = 16 * 1024;

// Invalid UTF-8 is refused too: the contract's JSON is UTF-8 and the report must
// be able to quote the id. RapidJSON's validation costs as much as the parse
// itself, so pure ASCII input (nearly all of it) skips it: ASCII is valid UTF-8.
constexpr unsigned kParseFlagsUtf8 = rapidjson::kParseValidateEncodingFlag;
constexpr unsigned kParseFlagsAscii = rapidjson::kParseDefaultFlags;

bool isAscii(const char *p, qsizetype n)
{
    quint64 bits = 0;
    for (; n >= 8; p += 8, n -= 8) {
        quint64 word;
        std::memcpy(&word, p, 8);
        bits |= word;
    }
    for (; n > 0; ++p, --n)
        bits |= quint64(static_cast<unsigned char>(*p));
    return (bits & 0x8080808080808080ull) == 0;
}

} // namespace

void ObservationReader::MappedField::set(const QByteArray &pointerText)
{
    text = pointerText;
    pointer = rapidjson::Pointer(pointerText.constData(), size_t(pointerText.size()));
    usable = !pointerText.isEmpty() && pointerText.startsWith('/') && pointer.IsValid();
}

ObservationReader::ObservationReader(const FieldMapping &mapping)
    : m_valueBuffer(kValuePoolBytes), m_stackBuffer(kStackPoolBytes),
      m_valuePool(m_valueBuffer.data(), m_valueBuffer.size()),
      m_stackPool(m_stackBuffer.data(), m_stackBuffer.size()),
      m_document(&m_valuePool, 1024, &m_stackPool)
{
    m_kafkaId.set(mapping.kafkaId);
    m_kafkaType.set(mapping.kafkaType);
    m_kafkaSourceType.set(mapping.kafkaSourceType);
    m_kafkaSourceId.set(mapping.kafkaSourceId);
    m_notificationId.set(mapping.notificationId);
    for (const QByteArray *p :
         {&mapping.notificationId, &mapping.notificationType, &mapping.notificationSourceId}) {
        const QList<QByteArray> tokens = p->split('/');
        if (tokens.size() > 2) {
            QByteArray first = tokens.at(1);
            first.replace("~1", "/").replace("~0", "~");
            m_containerMembers.append(first);
        }
    }
}

const ObservationReader::Value *ObservationReader::parse(const QByteArray &json, QString *why)
{
    m_document.SetNull();
    m_valuePool.Clear();
    m_stackPool.Clear();
    const bool ascii = isAscii(json.constData(), json.size());
    if (ascii && !json.contains('\0')) {
        // In-situ: strings are decoded in a reused copy of the input instead of
        // being copied into the pool (the copy is one memcpy, the terminator
        // RapidJSON's in-situ stream needs is added here).
        m_insitu.resize(0);
        m_insitu.append(json.constData(), json.size()).append('\0');
        m_document.ParseInsitu<kParseFlagsAscii | rapidjson::kParseInsituFlag>(m_insitu.data());
    } else if (ascii) {
        m_document.Parse<kParseFlagsAscii>(json.constData(), size_t(json.size()));
    } else {
        m_document.Parse<kParseFlagsUtf8>(json.constData(), size_t(json.size()));
    }
    if (m_document.HasParseError()) {
        *why = QStringLiteral("not valid JSON at byte %1: %2")
                   .arg(m_document.GetErrorOffset())
                   .arg(QLatin1String(rapidjson::GetParseError_En(m_document.GetParseError())));
        return nullptr;
    }
    if (!m_document.IsObject()) {
        *why = QStringLiteral("not a JSON object but %1")
                   .arg(QLatin1String(event::jsonTypeName(m_document)));
        return nullptr;
    }
    return &m_document;
}

bool ObservationReader::kafkaId(const Value &root, QByteArrayView *id, QString *why) const
{
    return idOf(root, m_kafkaId, id, why);
}

bool ObservationReader::notificationId(const Value &root, QByteArrayView *id, QString *why) const
{
    return idOf(root, m_notificationId, id, why);
}

void ObservationReader::kafkaFields(const Value &root, event::Event *event) const
{
    textOf(root, m_kafkaType, &event->type);
    textOf(root, m_kafkaSourceType, &event->sourceType);
    textOf(root, m_kafkaSourceId, &event->sourceId);
}

bool ObservationReader::idOf(const Value &root, const MappedField &field, QByteArrayView *id,
                             QString *why)
{
    if (!field.usable) {
        *why = QStringLiteral("the id pointer '%1' is not a valid JSON pointer")
                   .arg(QString::fromUtf8(field.text));
        return false;
    }
    const Value *value = field.find(root);
    if (!value) {
        *why = QStringLiteral("no id at %1").arg(QString::fromUtf8(field.text));
        return false;
    }
    if (!value->IsString()) {
        *why = QStringLiteral("the id at %1 is %2, not a string")
                   .arg(QString::fromUtf8(field.text), QLatin1String(event::jsonTypeName(*value)));
        return false;
    }
    if (value->GetStringLength() == 0) {
        *why = QStringLiteral("the id at %1 is an empty string").arg(QString::fromUtf8(field.text));
        return false;
    }
    *id = QByteArrayView(value->GetString(), qsizetype(value->GetStringLength()));
    return true;
}

// Copies a mapped field into a reused buffer: strings as they are, integers as
// decimal text (numeric source ids are common); anything else as empty, which the
// channel template then refuses by name.
void ObservationReader::textOf(const Value &root, const MappedField &field, QByteArray *out)
{
    out->resize(0);
    const Value *value = field.find(root);
    if (!value)
        return;
    if (value->IsString())
        out->append(value->GetString(), qsizetype(value->GetStringLength()));
    else if (value->IsInt64())
        out->append(QByteArray::number(value->GetInt64()));
    else if (value->IsUint64())
        out->append(QByteArray::number(value->GetUint64()));
}

bool ObservationReader::carriesPayload(const Value &root) const
{
    for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
        const QByteArrayView name(it->name.GetString(), qsizetype(it->name.GetStringLength()));
        if (name == "payload")
            return true;
        if ((it->value.IsObject() || it->value.IsArray()) &&
            std::none_of(m_containerMembers.cbegin(), m_containerMembers.cend(),
                         [&](const QByteArray &allowed) { return allowed == name; })) {
            return true;
        }
    }
    return false;
}

} // namespace dualscope::gap
