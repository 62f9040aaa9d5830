/*
 * sections.h - what the report's pages show: a page per run (header, banner, KPIs, where the
 * numbers come from, charts) after an overview when there are several runs.
 */
#ifndef CT_REPORT_SECTIONS_H
#define CT_REPORT_SECTIONS_H

#include "layout.h"
#include "model.h"

/* Draw the whole report on d->cr. */
void render(struct rp_doc *d, const struct report *rep);

#endif
