#include "imaging/processing.hpp"
