"use client";
// A panel page that failed to render: shown inside the panel layout, so the navigation stays usable.
import { PageError } from "@/components/page-error";

export default PageError;
