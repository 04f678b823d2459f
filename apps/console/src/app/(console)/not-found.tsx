// notFound() from a console page (an unknown payment, merchant or mail): inside the layout's <main>, with the
// navigation, answered with HTTP 404 (no loading boundary streams a 200 first).
import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Not found" };

export default function ConsoleNotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        Nothing here: the link may be mistyped, or the object may be in another environment.{" "}
        <Link href="/payments">Back to payments</Link>
      </p>
    </>
  );
}
