using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WorkflowEngine.Persistence.Migrations.PostgreSQL
{
    /// <inheritdoc />
    public partial class IndexingLeaseAndFirstIndexing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ChunksToIndex",
                table: "KnowledgeDocuments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "IndexedChunks",
                table: "KnowledgeDocuments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "KnowledgeDocuments",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LeaseUntil",
                table: "KnowledgeDocuments",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<bool>(
                name: "FirstIndexing",
                table: "KnowledgeBases",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChunksToIndex",
                table: "KnowledgeDocuments");

            migrationBuilder.DropColumn(
                name: "IndexedChunks",
                table: "KnowledgeDocuments");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "KnowledgeDocuments");

            migrationBuilder.DropColumn(
                name: "LeaseUntil",
                table: "KnowledgeDocuments");

            migrationBuilder.DropColumn(
                name: "FirstIndexing",
                table: "KnowledgeBases");
        }
    }
}
