// SPDX-License-Identifier: MIT
#include "event/fieldreader.h"

#include "event/jsontypename.h"

#include <optional>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>

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
    const QString idPointer = QString::fromUtf8(m_idPointer);
    if (!m_compiled->id)
        return fail(why,
                    QStringLiteral("the id pointer '%1' is not a JSON pointer").arg(idPointer));
    rapidjson::Document document;
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
        return fail(why, QStringLiteral("no id at %1").arg(idPointer));
    if (!id->IsString())
        return fail(why, QStringLiteral("the id at %1 is %2, not a string")
                             .arg(idPointer, QLatin1String(jsonTypeName(*id))));
    if (id->GetStringLength() == 0)
        return fail(why, QStringLiteral("the id at %1 is an empty string").arg(idPointer));
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

} // namespace dualscope::event
