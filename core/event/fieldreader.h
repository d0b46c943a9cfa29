// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>
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

// Where an id and a type lie in a document that is kept (a live view's row): the
// bytes of the string values when they stand there verbatim, so that no copy is
// made per message; a value that does not (escapes, a number, past 64 KiB) is kept
// decoded instead. Length 0: absent. Plain value.
struct FieldSpans
{
    quint16 idPos = 0;
    quint16 idLen = 0;
    quint16 typePos = 0;
    quint16 typeLen = 0;
    // "id\0type" when either is not verbatim in the document; null otherwise.
    QByteArray decoded;

    QByteArray id(const QByteArray &document) const;
    QByteArray type(const QByteArray &document) const;
    bool hasId() const { return idLen > 0 || !decoded.isNull(); }
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
    // read()'s id and type as spans of `json`; false (and *spans empty) when read()
    // would be false.
    bool locate(const QByteArray &json, FieldSpans *spans) const;

private:
    struct Compiled;
    QByteArray m_idPointer;
    std::shared_ptr<const Compiled> m_compiled;
};

} // namespace dualscope::event
