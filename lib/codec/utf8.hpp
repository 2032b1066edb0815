#pragma once
// The UTF-8 checks live in a public detail header so that the inline
// PUBLISH parser can use them.
#include "tern/detail/utf8.hpp"
