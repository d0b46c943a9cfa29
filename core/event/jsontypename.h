// SPDX-License-Identifier: MIT
#pragma once
// Private to the core's .cpp files that read JSON with RapidJSON (the codec, the
// gap detector, replay): not part of any public header.

#include <rapidjson/document.h>

namespace dualscope::event {

// For error messages: "field 'id' must be a string, got a number".
inline const char *jsonTypeName(const rapidjson::Value &value)
{
    switch (value.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "a boolean";
    case rapidjson::kObjectType:
        return "an object";
    case rapidjson::kArrayType:
        return "an array";
    case rapidjson::kStringType:
        return "a string";
    case rapidjson::kNumberType:
        return "a number";
    }
    return "unknown";
}

} // namespace dualscope::event
