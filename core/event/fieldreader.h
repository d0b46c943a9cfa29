// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <memory>

namespace dualscope::event {

// The fields Dualscope reads from an event or a notification it did not write,
// as UTF-8 text.
struct EventFields
{
    QByteArray id;
    QByteArray type;
    QByteArray sourceType;
    QByteArray sourceId;
};

// Where those fields are in a document: JSON pointers ("/id", "/meta/event_id");
// an empty pointer means the system does not carry the field.
struct FieldPointers
{
    QByteArray id = "/id";
    QByteArray type = "/type";
    QByteArray sourceType = "/source_type";
    QByteArray sourceId = "/source_id";
};

// Reads the fields of one JSON document through the field mapping, strictly as
// the checker does: valid UTF-8 JSON, an object, a non-empty string id. The other
// fields are taken when they are strings or integers (numeric source ids are
// common) and left empty (null) otherwise. The one reader of the replay, the
// catch-up feed and the Kafka browser's id column. The pointers are compiled
// once; copies share them. Any thread.
class FieldReader
{
public:
    explicit FieldReader(const FieldPointers &pointers = {});

    // False, and *why (when given) says what is wrong, when the document is not
    // valid JSON, not an object, or has no usable id.
    bool read(const QByteArray &json, EventFields *fields, QString *why = nullptr) const;
    // The id alone; empty when read() would be false.
    QByteArray idOf(const QByteArray &json) const;

private:
    struct Compiled;
    QByteArray m_idPointer;
    std::shared_ptr<const Compiled> m_compiled;
};

} // namespace dualscope::event
